/**
 * `npm run conformance`: the official MCP conformance suite
 * (`@modelcontextprotocol/conformance` 0.1.16, every server scenario) against
 * the kit's fixture server (`server.ts`) bundled and run in workerd, and
 * prints `conformance: N/32 scenarios passed` with each scenario's outcome.
 *
 * The suite's client connects without credentials, so it talks to a loopback
 * front that adds a development token from the local issuer (the worker
 * still verifies it in full) and forwards everything else unchanged,
 * Host and Origin included. On Node 20 the suite's `fs.globSync` import is
 * served by `fs-shim.mjs` (node-20-hooks.mjs).
 *
 * Exits 0 when every scenario outside KNOWN_UNSUPPORTED passes, 1 otherwise.
 */
import { spawn } from "node:child_process";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorker, REPO_ROOT } from "../../infra/worker-bundle.ts";
import { startLocalIssuer } from "../../scripts/lib/local-issuer.ts";
import { startLocalWorker } from "../../scripts/lib/local-worker.ts";
import { checkServerModule } from "../../scripts/lib/server-module.ts";
import { KNOWN_UNSUPPORTED } from "./known-unsupported.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const SUITE = resolve(REPO_ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");


interface ScenarioOutcome {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

function listScenarios(): Promise<string[]> {
  return runSuite(["list"]).then(({ stdout }) => {
    const server = stdout.split("Client scenarios")[0] ?? "";
    return [...server.matchAll(/^\s+- ([a-z0-9-]+) \[/gm)].map((m) => m[1] ?? "");
  });
}

function runSuite(args: string[], cwd = REPO_ROOT): Promise<{ code: number; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", resolve(HERE, "register-hooks.mjs"), SUITE, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolvePromise({ code: code ?? 1, stdout }));
  });
}

/**
 * Loopback front adding the bearer token `target().token` to every request
 * and forwarding it to `target().url`; everything else passes unchanged.
 */
function startFront(target: () => { url: string; token: string }): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const { url, token } = target();
    const upstream = httpRequest(new URL(req.url ?? "/", url), { method: req.method, headers: { ...req.headers, authorization: `Bearer ${token}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolvePromise({
        port: typeof address === "object" && address ? address.port : 0,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

const USAGE = `Usage: npm run conformance

  Runs every server scenario of @modelcontextprotocol/conformance against
  test/conformance/server.ts in workerd and prints "conformance: N/32 scenarios passed".
  Takes no arguments.

  -h, --help          Show this help`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length > 0) {
    console.error(`npm run conformance: unexpected arguments: ${argv.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  const entry = resolve(HERE, "server.ts");
  await checkServerModule(entry);
  const bundle = await bundleWorker({ entry, outfile: resolve(REPO_ROOT, "dist/conformance/index.js") });
  const issuer = await startLocalIssuer();
  const scenarios = await listScenarios();
  // An unreadable list (a new suite version's output format) must not pass as "0/0".
  if (scenarios.length === 0) throw new Error("the conformance suite listed no server scenarios (did its `list` output change?)");
  const upstream = { url: "", token: "" };
  // The front's origin is the worker's audience: the client calls it, and tokens name it.
  const front = await startFront(() => upstream);
  const origin = `http://localhost:${front.port}`;
  const worker = await startLocalWorker({ bundlePath: bundle.path, vars: { AUTHGENT_ISSUER: issuer.issuer, MCP_AUDIENCE: origin, RATE_LIMIT_PER_MINUTE: "100000" } });
  upstream.url = worker.url;
  upstream.token = await issuer.mint(origin, { claims: { sub: "conformance", scope: "mcp:read mcp:write" } });
  const results = await mkdtemp(resolve(tmpdir(), "conformance-"));
  const outcomes: ScenarioOutcome[] = [];
  try {
    for (const scenario of scenarios) {
      const { code, stdout } = await runSuite(["server", "--url", `${origin}/mcp`, "--scenario", scenario], results);
      const failed = [...stdout.matchAll(/(?:✗|FAILURE|Error:)\s*(.*)/g)].map((m) => m[1]?.trim()).filter(Boolean);
      outcomes.push({ name: scenario, passed: code === 0, detail: code === 0 ? "" : (failed[0] ?? stdout.trim().split("\n").slice(-3).join(" ")).slice(0, 200) });
    }
  } finally {
    await front.close();
    await worker.dispose();
    await issuer.close();
    await rm(results, { recursive: true, force: true });
  }
  const passed = outcomes.filter((o) => o.passed).length;
  for (const outcome of outcomes) {
    const known = KNOWN_UNSUPPORTED[outcome.name];
    console.log(`${outcome.passed ? "PASS" : "FAIL"}  ${outcome.name}${outcome.passed ? "" : known ? `  (not supported: ${known})` : `  ${outcome.detail}`}`);
  }
  console.log(`conformance: ${passed}/${outcomes.length} scenarios passed`);
  const unexpected = outcomes.filter((o) => !o.passed && !(o.name in KNOWN_UNSUPPORTED));
  return unexpected.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm run conformance: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
