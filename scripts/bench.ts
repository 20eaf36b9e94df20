/**
 * `npm run bench`: the bundled worker in workerd under load from a separate
 * process, next to a JSON-RPC echo worker in the same runtime, with the JWKS
 * origin at 0 ms and 50 ms added latency. Prints req/s, p50/p99, the ratio
 * a/b, JWKS fetches per 1,000 steady-state requests and the bundle size, with
 * PASS/MISS against issue 2's targets, and writes bench/results.md.
 *
 * Exits non-zero only when something went wrong (a request failed, a server
 * did not start), never because a target was missed.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { bundleWorker, REPO_ROOT } from "../infra/worker-bundle.ts";
import { SCOPES } from "../worker/bindings.ts";
import { benchDpopKey, dpopTarget, mintProofs, multiUserDpopTarget, proofsNeeded, type BenchDpopKey, type BenchDpopUser } from "./lib/bench-dpop.ts";
import { bundleBenchWorker, DPOP_ISOLATE_ONLY_WORKER, DPOP_VERIFY_FLOOR_WORKER, ECHO_WORKER, JOSE_FLOOR_WORKER, KIT_ZOD_WORKER, SDK_HANDLER_WORKER, startBenchWorker } from "./lib/bench-workers.ts";
import { detectLoadGenerator, runLoad, type LoadGenerator, type LoadResult, type LoadTarget } from "./lib/bench-load.ts";
import { formatConsole, formatMarkdown, type AuthenticatedRun, type InterleavedRound, type BenchReport, type DpopRuns, type FleetSample, type ProtocolLayerRuns } from "./lib/bench-report.ts";
import { startLocalIssuer, type LocalIssuer } from "./lib/local-issuer.ts";
import { startLocalWorker, type WorkerVars } from "./lib/local-worker.ts";

const USAGE = `Usage: npm run bench -- [options]

  --duration <s>      Measured seconds per scenario (default 10)
  --warmup <s>        Warm-up seconds before each scenario (default 2)
  --connections <n>   Concurrent connections (default 16)
  --rounds <n>        Interleaved rounds of echo, Bearer, verify floor and DPoP (default 3; 0 skips them)
  --round-seconds <s> Measured seconds per scenario in each round, after 1 s of warm-up (default 5)
  --generator <name>  wrk or autocannon (default: wrk if on PATH, else autocannon)
  --out <file>        Markdown results (default bench/results.md)
  -h, --help          Show this help`;

class UsageError extends Error {}

/** JWKS origin latencies the authenticated scenario runs at, ms. */
const JWKS_LATENCIES_MS = [0, 50] as const;
const BENCH_AUDIENCE = "https://bench.mcp.example";
/**
 * The per-user limits are not what is measured: one bench user sends
 * thousands of requests a second, far past any sane RATE_LIMIT_PER_MINUTE.
 * The rate-limiting binding is still called on every request, as in production;
 * at this limit it would only refuse above ~16,000 req/s for one user.
 */
const BENCH_RATE_LIMIT_PER_MINUTE = "1000000"; // the largest the worker accepts
const HELLO_BODY = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "hello", arguments: { name: "bench" } },
});

interface BenchArgs {
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly generator: LoadGenerator;
  readonly out: string;
}

function parseBenchArgs(argv: string[]): BenchArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      rounds: { type: "string" },
      "round-seconds": { type: "string" },
      generator: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const integer = (flag: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be ${min === 0 ? "a whole number ≥ 0" : "a positive integer"}, got "${raw}"`);
    return n;
  };
  const positive = (flag: string, raw: string | undefined, fallback: number): number => integer(flag, raw, fallback, 1);
  const generator = values.generator ?? detectLoadGenerator();
  if (generator !== "wrk" && generator !== "autocannon") throw new UsageError(`--generator must be wrk or autocannon, got "${generator}"`);
  return {
    durationSeconds: positive("duration", values.duration, 10),
    warmupSeconds: positive("warmup", values.warmup, 2),
    connections: positive("connections", values.connections, 16),
    rounds: integer("rounds", values.rounds, 3, 0),
    roundSeconds: positive("round-seconds", values["round-seconds"], 5),
    generator,
    out: resolve(REPO_ROOT, values.out ?? "bench/results.md"),
  };
}

function mcpTarget(url: string, token?: string): LoadTarget {
  return {
    url,
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": LATEST_PROTOCOL_VERSION,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: HELLO_BODY,
  };
}

/** A run with failed requests measures the error path, not the worker: stop and say so. */
function assertClean(label: string, load: LoadResult): void {
  if (load.non2xx > 0 || load.socketErrors > 0) {
    throw new Error(`${label}: ${load.non2xx} non-2xx responses and ${load.socketErrors} socket errors out of ${load.requests}`);
  }
}

/** JSON-RPC errors travel with HTTP 200, so check one answer really is the tool's result. */
async function assertHelloWorks(label: string, target: LoadTarget): Promise<void> {
  const response = await fetch(target.url, { method: target.method, headers: target.headers, body: target.body });
  const text = await response.text();
  if (response.status !== 200 || !text.includes("Hello, bench")) {
    throw new Error(`${label}: expected a hello result, got HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
}

async function measure(label: string, target: LoadTarget, args: BenchArgs, afterWarmup?: () => Promise<void>): Promise<LoadResult> {
  process.stdout.write(`${label}: warm-up ${args.warmupSeconds} s, `);
  const options = { connections: args.connections, generator: args.generator };
  assertClean(`${label} (warm-up)`, await runLoad(target, { ...options, durationSeconds: args.warmupSeconds }));
  await assertHelloWorks(label, target);
  await afterWarmup?.();
  process.stdout.write(`measuring ${args.durationSeconds} s… `);
  const load = await runLoad(target, { ...options, durationSeconds: args.durationSeconds });
  assertClean(label, load);
  console.log(`${load.requestsPerSecond.toFixed(0)} req/s`);
  return load;
}

async function baselineRun(label: string, args: BenchArgs): Promise<LoadResult> {
  const echo = await startBenchWorker(ECHO_WORKER);
  try {
    return await measure(label, mcpTarget(`${echo.url}/mcp`), args);
  } finally {
    await echo.dispose();
  }
}

async function referenceRun(issuer: LocalIssuer, args: BenchArgs): Promise<LoadResult> {
  const tenantId = "bench-reference";
  const tenantIssuer = await issuer.createTenant({ id: tenantId });
  const floor = await startBenchWorker(JOSE_FLOOR_WORKER, { AUTHGENT_ISSUER: tenantIssuer, MCP_AUDIENCE: BENCH_AUDIENCE });
  try {
    const token = await issuer.mint(BENCH_AUDIENCE, { tenant: tenantId, claims: { sub: "bench-user", scope: SCOPES.read } });
    return await measure("(r) reference: jose jwtVerify only", mcpTarget(`${floor.url}/mcp`, token), args);
  } finally {
    await floor.dispose();
  }
}

/** A fresh worker and issuer tenant per latency, so warm-up starts from cold JWKS caches. */
async function authenticatedRun(issuer: LocalIssuer, latencyMs: number, args: BenchArgs): Promise<AuthenticatedRun> {
  const tenantId = `bench-${latencyMs}ms`;
  const tenantIssuer = await issuer.createTenant({ id: tenantId });
  // The issuer runs in this process: set its latency and read its counters directly.
  issuer.tenant(tenantIssuer).latencyMs = latencyMs;
  const stats = async (): Promise<number> => issuer.tenant(tenantIssuer).stats().jwksFetches;

  const worker = await startLocalWorker({
    vars: { AUTHGENT_ISSUER: tenantIssuer, MCP_AUDIENCE: BENCH_AUDIENCE, RATE_LIMIT_PER_MINUTE: BENCH_RATE_LIMIT_PER_MINUTE },
    // workerd's socket directly, as the echo baseline is served: the local HTTP front is not what is measured.
    front: false,
  });
  try {
    const token = await issuer.mint(BENCH_AUDIENCE, { tenant: tenantId, claims: { sub: "bench-user", scope: SCOPES.read } });
    let warmupJwksFetches = 0;
    const load = await measure(`(a) tools/call hello, JWKS +${latencyMs} ms`, mcpTarget(`${worker.url}/mcp`, token), args, async () => {
      warmupJwksFetches = await stats();
    });
    return { jwksLatencyMs: latencyMs, load, warmupJwksFetches, steadyJwksFetches: (await stats()) - warmupJwksFetches };
  } finally {
    await worker.dispose();
  }
}

/**
 * A DPoP run: `tools/call hello` with a DPoP-bound token and a fresh proof per
 * request, each phase (warm-up, the single checked call, measurement) with
 * proofs of its own, since the worker refuses a proof it has seen.
 */
async function measureDpop(label: string, url: string, token: string, key: BenchDpopKey, proofsPerSecond: number, args: BenchArgs): Promise<LoadResult> {
  const options = { connections: args.connections, generator: args.generator };
  const target = (proofs: string[]) => dpopTarget(mcpTarget(url), token, proofs);
  process.stdout.write(`${label}: signing proofs, `);
  const warmupProofs = await mintProofs(key, url, token, proofsNeeded(proofsPerSecond, args.warmupSeconds));
  process.stdout.write(`warm-up ${args.warmupSeconds} s, `);
  assertClean(`${label} (warm-up)`, await runLoad(target(warmupProofs), { ...options, durationSeconds: args.warmupSeconds }));
  const [checkProof] = await mintProofs(key, url, token, 1);
  await assertHelloWorks(label, { ...mcpTarget(url), headers: { ...mcpTarget(url).headers, authorization: `DPoP ${token}`, dpop: checkProof ?? "" } });
  const proofs = await mintProofs(key, url, token, proofsNeeded(proofsPerSecond, args.durationSeconds));
  process.stdout.write(`measuring ${args.durationSeconds} s… `);
  const load = await runLoad(target(proofs), { ...options, durationSeconds: args.durationSeconds });
  assertClean(label, load);
  console.log(`${load.requestsPerSecond.toFixed(0)} req/s`);
  return load;
}

/** The real worker's vars for DPoP runs: proofs are signed before each phase, so their window spans it. */
function dpopWorkerVars(tenantIssuer: string): WorkerVars {
  return { AUTHGENT_ISSUER: tenantIssuer, MCP_AUDIENCE: BENCH_AUDIENCE, RATE_LIMIT_PER_MINUTE: BENCH_RATE_LIMIT_PER_MINUTE, DPOP_PROOF_MAX_AGE: "600" };
}

async function dpopRuns(issuer: LocalIssuer, bearerRps: number, args: BenchArgs): Promise<DpopRuns> {
  const tenantId = "bench-dpop";
  const tenantIssuer = await issuer.createTenant({ id: tenantId });
  const key = await benchDpopKey();
  const vars = dpopWorkerVars(tenantIssuer);
  if (args.durationSeconds > 500) throw new Error("--duration above 500 s would outlive the DPoP proofs signed before the run");
  const token = await issuer.mint(BENCH_AUDIENCE, { tenant: tenantId, claims: { sub: "bench-dpop-user", scope: SCOPES.read, cnf: { jkt: key.jkt } } });
  const echo = await startBenchWorker(ECHO_WORKER);
  let generatorCeiling: LoadResult;
  try {
    generatorCeiling = await measureDpop("(g) echo, a DPoP header per request", `${echo.url}/mcp`, token, key, bearerRps * 1.5, args);
  } finally {
    await echo.dispose();
  }
  const floor = await startBenchWorker(DPOP_VERIFY_FLOOR_WORKER);
  let verifyFloor: LoadResult;
  try {
    verifyFloor = await measureDpop("(v) echo + ES256 verify of the fresh proof", `${floor.url}/mcp`, token, key, bearerRps * 1.5, args);
  } finally {
    await floor.dispose();
  }
  const isolateOnlyBundle = await bundleBenchWorker(DPOP_ISOLATE_ONLY_WORKER);
  const localOnly = await startLocalWorker({ vars, bundlePath: isolateOnlyBundle, front: false });
  let isolateOnly: LoadResult;
  try {
    isolateOnly = await measureDpop("(d0) DPoP hello, replay check per isolate only", `${localOnly.url}/mcp`, token, key, bearerRps, args);
  } finally {
    await localOnly.dispose();
  }
  const worker = await startLocalWorker({ vars, front: false });
  let full: LoadResult;
  try {
    full = await measureDpop("(d) DPoP hello, isolate + Durable Object replay check", `${worker.url}/mcp`, token, key, bearerRps, args);
  } finally {
    await worker.dispose();
  }
  // As many users as connections, each with its own key, token and Durable Object: no two concurrent proofs share a ledger call.
  const users: BenchDpopUser[] = [];
  for (let i = 0; i < args.connections; i++) {
    const userKey = await benchDpopKey();
    users.push({ key: userKey, token: await issuer.mint(BENCH_AUDIENCE, { tenant: tenantId, claims: { sub: `bench-dpop-user-${i}`, scope: SCOPES.read, cnf: { jkt: userKey.jkt } } }) });
  }
  const spread = await startLocalWorker({ vars, front: false });
  try {
    const manyUsers = await measureManyUsers(`(dm) DPoP hello, ${users.length} users, isolate + Durable Object`, `${spread.url}/mcp`, users, bearerRps, args);
    return { generatorCeiling, verifyFloor, isolateOnly, full, manyUsers: { users: users.length, load: manyUsers } };
  } finally {
    await spread.dispose();
  }
}

/** `measureDpop` with the requests spread over `users` in turn (`multiUserDpopTarget`). */
async function measureManyUsers(label: string, url: string, users: readonly BenchDpopUser[], proofsPerSecond: number, args: BenchArgs): Promise<LoadResult> {
  const options = { connections: args.connections, generator: args.generator };
  process.stdout.write(`${label}: signing proofs, `);
  const warmup = await multiUserDpopTarget(mcpTarget(url), users, proofsNeeded(proofsPerSecond, args.warmupSeconds));
  process.stdout.write(`warm-up ${args.warmupSeconds} s, `);
  assertClean(`${label} (warm-up)`, await runLoad(warmup, { ...options, durationSeconds: args.warmupSeconds }));
  const measured = await multiUserDpopTarget(mcpTarget(url), users, proofsNeeded(proofsPerSecond, args.durationSeconds));
  process.stdout.write(`measuring ${args.durationSeconds} s… `);
  const load = await runLoad(measured, { ...options, durationSeconds: args.durationSeconds });
  assertClean(label, load);
  console.log(`${load.requestsPerSecond.toFixed(0)} req/s`);
  return load;
}

/**
 * `--rounds` interleaved rounds (`InterleavedRound`): the echo worker, the
 * verify floor and one real worker (serving the Bearer and the DPoP token)
 * stay up for every round; each round measures the four scenarios back to
 * back for `--round-seconds` after 1 s of warm-up, starting one scenario
 * later than the round before, so slow drift on a shared machine moves a
 * round's four alike and its order evens out.
 */
async function interleavedRuns(issuer: LocalIssuer, bearerRps: number, args: BenchArgs): Promise<InterleavedRound[]> {
  if (args.rounds === 0) return [];
  const tenantId = "bench-interleaved";
  const tenantIssuer = await issuer.createTenant({ id: tenantId });
  const key = await benchDpopKey();
  const bearerToken = await issuer.mint(BENCH_AUDIENCE, { tenant: tenantId, claims: { sub: "bench-user", scope: SCOPES.read } });
  const dpopToken = await issuer.mint(BENCH_AUDIENCE, { tenant: tenantId, claims: { sub: "bench-dpop-user", scope: SCOPES.read, cnf: { jkt: key.jkt } } });
  const phase: BenchArgs = { ...args, warmupSeconds: 1, durationSeconds: args.roundSeconds };
  const servers: { dispose(): Promise<void> }[] = [];
  try {
    const echo = await startBenchWorker(ECHO_WORKER);
    servers.push(echo);
    const floor = await startBenchWorker(DPOP_VERIFY_FLOOR_WORKER);
    servers.push(floor);
    const worker = await startLocalWorker({
      vars: dpopWorkerVars(tenantIssuer),
      front: false,
    });
    servers.push(worker);
    const scenarios: [keyof InterleavedRound, (round: number) => Promise<LoadResult>][] = [
      ["echo", (n) => measure(`round ${n} (b) echo`, mcpTarget(`${echo.url}/mcp`), phase)],
      ["bearer", (n) => measure(`round ${n} (a) Bearer hello`, mcpTarget(`${worker.url}/mcp`, bearerToken), phase)],
      ["verifyFloor", (n) => measureDpop(`round ${n} (v) echo + ES256 verify`, `${floor.url}/mcp`, dpopToken, key, bearerRps * 1.5, phase)],
      ["dpop", (n) => measureDpop(`round ${n} (d) DPoP hello`, `${worker.url}/mcp`, dpopToken, key, bearerRps, phase)],
    ];
    const rounds: InterleavedRound[] = [];
    for (let r = 0; r < args.rounds; r++) {
      const measured: Partial<Record<keyof InterleavedRound, LoadResult>> = {};
      for (let i = 0; i < scenarios.length; i++) {
        const [name, run] = scenarios[(r + i) % scenarios.length] as (typeof scenarios)[number];
        measured[name] = await run(r + 1);
      }
      const { echo: e, bearer, verifyFloor, dpop } = measured;
      if (!e || !bearer || !verifyFloor || !dpop) throw new Error(`interleaved round ${r + 1} is missing a scenario`);
      rounds.push({ echo: e, bearer, verifyFloor, dpop });
    }
    return rounds;
  } finally {
    for (const server of servers.reverse()) await server.dispose();
  }
}

/**
 * The protocol layer side by side: the official server SDK 2.x behind the same
 * authentication answers the same `tools/call hello` as (a).
 */
async function protocolLayerRuns(issuer: LocalIssuer, args: BenchArgs): Promise<ProtocolLayerRuns> {
  const tenantId = "bench-protocol-layer";
  const tenantIssuer = await issuer.createTenant({ id: tenantId });
  const vars = { AUTHGENT_ISSUER: tenantIssuer, MCP_AUDIENCE: BENCH_AUDIENCE, RATE_LIMIT_PER_MINUTE: BENCH_RATE_LIMIT_PER_MINUTE };
  const token = await issuer.mint(BENCH_AUDIENCE, { tenant: tenantId, claims: { sub: "bench-user", scope: SCOPES.read } });
  const sdk = await startLocalWorker({ vars, bundlePath: await bundleBenchWorker(SDK_HANDLER_WORKER), front: false });
  let sdkLoad: LoadResult;
  try {
    sdkLoad = await measure("(s) SDK 2.x createMcpHandler hello, same auth", mcpTarget(`${sdk.url}/mcp`, token), args);
  } finally {
    await sdk.dispose();
  }
  const kit = await startLocalWorker({ vars, bundlePath: await bundleBenchWorker(KIT_ZOD_WORKER), front: false });
  try {
    const target = mcpTarget(`${kit.url}/mcp`, token);
    const body = JSON.stringify({ ...(JSON.parse(HELLO_BODY) as object), params: { name: "hello_zod", arguments: { name: "bench" } } });
    return { sdk: sdkLoad, zodTool: await measure("(z) kit: zod-declared hello_zod", { ...target, body }, args) };
  } finally {
    await kit.dispose();
  }
}

interface BenchInfraModule {
  benchFleetEvaluation(): Promise<FleetSample[]>;
  formatFleetEvaluation?(samples: readonly FleetSample[]): string;
  fleetRequestBudget?(servers: number): Promise<unknown[]>;
  formatRequestBudget?(servers: number, rows: readonly unknown[]): string;
}

/** Helper C's fleet benchmark (issue 3), when that module exists in this checkout. */
async function fleetRun(): Promise<FleetSample[] | undefined> {
  const path = resolve(REPO_ROOT, "scripts/lib/bench-infra.ts");
  if (!existsSync(path)) return undefined;
  const mod = (await import(pathToFileURL(path).href)) as BenchInfraModule;
  process.stdout.write("Offline plan (npm run plan) of a 1-server and a 500-server stack, side by side… ");
  const samples = await mod.benchFleetEvaluation();
  console.log("done");
  if (mod.formatFleetEvaluation) console.log(mod.formatFleetEvaluation(samples));
  const largest = Math.max(...samples.map((s) => s.servers));
  if (mod.fleetRequestBudget && mod.formatRequestBudget) {
    // Program requests measured against the fake Cloudflare API, provider requests counted per resource.
    console.log(`\nCloudflare API requests per run, ${largest} servers:\n${mod.formatRequestBudget(largest, await mod.fleetRequestBudget(largest))}`);
  }
  return samples;
}

async function main(argv: string[]): Promise<void> {
  const args = parseBenchArgs(argv);
  if (args === "help") return void console.log(USAGE);
  const startedAt = new Date().toISOString();
  const cpu = cpus();
  const machine = `${cpu[0]?.model.trim() ?? "unknown CPU"} × ${cpu.length}, Node ${process.version}, load average ${loadavg()[0]?.toFixed(2)} at start`;

  const bundle = await bundleWorker();
  const sizes = { rawBytes: Buffer.byteLength(bundle.code), gzipBytes: gzipSync(bundle.code).byteLength };
  console.log(`Built ${relative(REPO_ROOT, bundle.path)}; load generator: ${args.generator}\n`);

  const issuer = await startLocalIssuer();
  let report: BenchReport;
  try {
    const baselineFirst = await baselineRun("(b) echo baseline", args);
    const reference = await referenceRun(issuer, args);
    const authenticated: AuthenticatedRun[] = [];
    for (const latency of JWKS_LATENCIES_MS) authenticated.push(await authenticatedRun(issuer, latency, args));
    const protocolLayer = await protocolLayerRuns(issuer, args);
    const bearerRps = Math.max(...authenticated.map((run) => run.load.requestsPerSecond));
    const dpop = await dpopRuns(issuer, bearerRps, args);
    const interleaved = await interleavedRuns(issuer, bearerRps, args);
    const baselineLast = await baselineRun("(b) echo baseline again", args);
    const fleet = await fleetRun();
    report = {
      startedAt,
      machine,
      generator: args.generator,
      connections: args.connections,
      durationSeconds: args.durationSeconds,
      warmupSeconds: args.warmupSeconds,
      bundle: sizes,
      baseline: [baselineFirst, baselineLast],
      reference,
      authenticated,
      dpop,
      protocolLayer,
      fleet,
      interleaved,
    };
  } finally {
    await issuer.close();
  }
  console.log(`\n${formatConsole(report)}`);
  await writeFile(args.out, formatMarkdown(report));
  console.log(`\nWrote ${relative(REPO_ROOT, args.out)}`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
    console.error(`\nnpm run bench: ${err instanceof Error ? err.message : String(err)}`);
    if (usage) console.error(`\n${USAGE}`);
    process.exit(usage ? 2 : 1);
  },
);
