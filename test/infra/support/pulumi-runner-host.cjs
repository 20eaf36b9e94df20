/**
 * Stands in for the Pulumi CLI's Node.js language host, minus gRPC: installs
 * Pulumi's mocks, then hands the program to @pulumi/pulumi's own runner
 * (`cmd/run/run.js`) with the command line the language host builds
 * (`constructArguments` in pulumi-language-nodejs/main.go), which loads it
 * exactly as under `pulumi up` — same `--pwd` chdir, same entry resolution
 * from the entry point, same ESM/TypeScript path chosen from
 * PULUMI_NODEJS_TYPESCRIPT and the node args it was started with, same Stack
 * resource. Config arrives the way the language host passes it
 * (PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS).
 *
 * The mocks play the providers where they matter to this project: the
 * Cloudflare provider's WorkersScript Check opens `contentFile` relative to
 * its working directory — the engine's pwd, the same directory run.js
 * `chdir`s to — and fails with "Hash Calculation Error" when it cannot read
 * it or the SHA-256 differs from `contentSha256`
 * (terraform-provider-cloudflare `internal/services/workers_script/custom.go`).
 *
 * usage: node <Pulumi.yaml nodeargs> pulumi-runner-host.cjs --out result.json -- <run.js arguments>
 * Plain CommonJS on purpose: only the Pulumi.yaml node args may load TypeScript support.
 */
"use strict";
const { createHash } = require("node:crypto");
const { readFileSync, writeFileSync } = require("node:fs");
const { parseArgs } = require("node:util");
const pulumi = require("@pulumi/pulumi");

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const WORKERS_SCRIPT = "cloudflare:index/workersScript:WorkersScript";

function planValue(value) {
  if (Array.isArray(value)) return value.map(planValue);
  if (value !== null && typeof value === "object") {
    if (value[SIG_KEY] === SECRET_SIG) return "[secret]";
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = planValue(value[key]);
    return out;
  }
  return value;
}

/** The provider's Check of `contentFile`, from its working directory. */
function checkContentFile(inputs) {
  if (typeof inputs.contentFile !== "string") return;
  let code;
  try {
    code = readFileSync(inputs.contentFile);
  } catch (err) {
    throw new Error(`Hash Calculation Error: Failed to calculate SHA-256 hash of file '${inputs.contentFile}': ${err.message} (cwd ${process.cwd()})`);
  }
  const actual = createHash("sha256").update(code).digest("hex");
  if (actual !== inputs.contentSha256) throw new Error(`content_sha256 mismatch for content_file (${inputs.contentFile}): expected ${inputs.contentSha256}, got ${actual}`);
}

async function main() {
  const separator = process.argv.indexOf("--");
  const own = parseArgs({ args: process.argv.slice(2, separator), options: { out: { type: "string" } } }).values;
  const runArgs = process.argv.slice(separator + 1);
  const { values } = parseArgs({
    args: runArgs,
    strict: false,
    allowPositionals: true,
    options: { project: { type: "string" }, stack: { type: "string" }, "dry-run": { type: "boolean" } },
  });
  const resources = [];
  const providerErrors = [];
  let stackOutputs = null;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (args.type === WORKERS_SCRIPT) {
          try {
            checkContentFile(args.inputs);
          } catch (err) {
            providerErrors.push(err.message);
            throw err;
          }
        }
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    values.project,
    values.stack,
    values["dry-run"] === true,
  );
  const monitor = pulumi.runtime.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const parent = req.getParent();
    resources.push({
      type: req.getType(),
      name: req.getName(),
      parent: parent ? parent.split("::").at(-1) : null,
      inputs: planValue(req.getObject() ? req.getObject().toJavaScript() : {}),
      // The protect option as the engine receives it; left out when the program does not set it, as in the offline plan.
      ...(req.hasProtect() ? { protect: req.getProtect() ?? false } : {}),
    });
    register(req, callback);
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    if (req.getUrn().includes("::pulumi:pulumi:Stack::")) stackOutputs = planValue(req.getOutputs() ? req.getOutputs().toJavaScript() : {});
    registerOutputs(req, callback);
  };
  // The mock monitor has no shutdown RPC; the real engine answers it.
  monitor.signalAndWaitForShutdown = (_req, callback) => callback(null, {});

  process.on("exit", (code) => {
    for (const message of providerErrors) process.stderr.write(`provider error: ${message}\n`);
    writeFileSync(
      own.out,
      JSON.stringify({
        exitCode: code,
        resources,
        outputs: stackOutputs,
        typescriptLoader: process.env.PULUMI_NODEJS_TYPESCRIPT === "true" ? "ts-node" : "node args",
        cwd: process.cwd(),
      }),
    );
  });

  // Exactly the command line the language host gives @pulumi/pulumi/cmd/run.
  const entry = require.resolve("@pulumi/pulumi/cmd/run");
  process.argv = [process.argv[0], entry, ...runArgs];
  require(entry);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
