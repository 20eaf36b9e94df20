/**
 * Stands in for the Pulumi CLI's Node.js language host, minus gRPC: installs
 * Pulumi's mocks, then hands the program to @pulumi/pulumi's own runner
 * (`cmd/run/run.js`), which loads it exactly as under `pulumi up` — same
 * entry resolution from `main`, same ESM/TypeScript path chosen from
 * PULUMI_NODEJS_TYPESCRIPT and the node args it was started with, same
 * Stack resource. Config arrives the way the language host passes it
 * (PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS).
 *
 * usage: node <Pulumi.yaml nodeargs> pulumi-runner-host.cjs --project p --stack s --out result.json <program>
 * Plain CommonJS on purpose: only the Pulumi.yaml node args may load TypeScript support.
 */
"use strict";
const { writeFileSync } = require("node:fs");
const { parseArgs } = require("node:util");
const pulumi = require("@pulumi/pulumi");

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

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

async function main() {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { project: { type: "string" }, stack: { type: "string" }, out: { type: "string" } },
  });
  const resources = [];
  let stackOutputs = null;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: args.custom === false ? undefined : `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    values.project,
    values.stack,
    false,
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
    writeFileSync(
      values.out,
      JSON.stringify({
        exitCode: code,
        resources,
        outputs: stackOutputs,
        typescriptLoader: process.env.PULUMI_NODEJS_TYPESCRIPT === "true" ? "ts-node" : "node args",
      }),
    );
  });

  // Exactly the command line the language host gives @pulumi/pulumi/cmd/run.
  const entry = require.resolve("@pulumi/pulumi/cmd/run");
  process.argv = [process.argv[0], entry, "--monitor", "mock", "--project", values.project, "--stack", values.stack, "--pwd", process.cwd(), ...positionals];
  require(entry);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
