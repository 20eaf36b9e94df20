/**
 * Load generation for `npm run bench`, always in a separate process so the
 * generator never shares an event loop with the servers it measures: `wrk`
 * when it is on PATH (what the issue's reference numbers used), else the
 * pinned `autocannon` devDependency run as a child process.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { cpuMicrosPerRequest, serverCpuSnapshot } from "./bench-cpu.ts";

export type LoadGenerator = "wrk" | "autocannon";

export interface LoadTarget {
  readonly url: string;
  readonly method: "POST" | "GET";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * Headers whose values change with every request, taken in order (DPoP
   * proofs: each may be used once; with several users, each proof with its
   * user's token). The run fails if it needs more rows.
   */
  readonly perRequestHeaders?: PerRequestHeaders;
}

export interface PerRequestHeaders {
  readonly names: readonly string[];
  /** One row per request, a value for each of `names`, in order (no tabs or newlines). */
  readonly rows: readonly (readonly string[])[];
}

export interface LoadOptions {
  /** Concurrent keep-alive connections. @default 16 */
  readonly connections?: number;
  /** Length of the run, seconds. @default 10 */
  readonly durationSeconds?: number;
  /** @default detectLoadGenerator() */
  readonly generator?: LoadGenerator;
}

export interface LoadResult {
  readonly generator: LoadGenerator;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses with a status outside 2xx. */
  readonly non2xx: number;
  /** Connect/read/write errors and timeouts. */
  readonly socketErrors: number;
  /**
   * CPU the server processes (workerd) used per request, µs, where it can be
   * read (`bench-cpu.ts`); steadier than req/s on a shared machine.
   */
  readonly serverCpuMicros?: number;
}

/** Grace on top of the run before the generator process is killed, seconds. */
const KILL_GRACE_SECONDS = 30;

export function detectLoadGenerator(): LoadGenerator {
  const probe = spawnSync("wrk", ["--version"], { stdio: "ignore" });
  // wrk exits 1 after printing its version; only "not found" means absent.
  return probe.error ? "autocannon" : "wrk";
}

export async function runLoad(target: LoadTarget, options: LoadOptions = {}): Promise<LoadResult> {
  const connections = options.connections ?? 16;
  const durationSeconds = options.durationSeconds ?? 10;
  const generator = options.generator ?? detectLoadGenerator();
  const cpu = serverCpuSnapshot();
  const load = generator === "wrk" ? await runWrk(target, connections, durationSeconds) : await runAutocannon(target, connections, durationSeconds);
  const serverCpuMicros = cpuMicrosPerRequest(cpu, load.requests);
  return serverCpuMicros === undefined ? load : { ...load, serverCpuMicros };
}

async function runWrk(target: LoadTarget, connections: number, durationSeconds: number): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), "authgent-bench-"));
  try {
    const script = join(dir, "request.lua");
    const valuesFile = join(dir, "values.txt");
    if (target.perRequestHeaders) await writeFile(valuesFile, `${target.perRequestHeaders.rows.map((row) => row.join("\t")).join("\n")}\n`);
    await writeFile(script, wrkScript(target, valuesFile));
    // One wrk thread drives 16 connections easily and leaves the other core to workerd.
    const threads = 1;
    const stdout = await runChild(
      "wrk",
      [`-t${threads}`, `-c${connections}`, `-d${durationSeconds}s`, "--timeout", "10s", "-s", script, target.url],
      durationSeconds,
    );
    const line = stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
    if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
    const summary = JSON.parse(line.slice("BENCH_JSON ".length)) as {
      requests: number;
      durationUs: number;
      p50Us: number;
      p99Us: number;
      non2xx: number;
      socketErrors: number;
    };
    return {
      generator: "wrk",
      requests: summary.requests,
      requestsPerSecond: summary.requests / (summary.durationUs / 1e6),
      p50Ms: summary.p50Us / 1000,
      p99Ms: summary.p99Us / 1000,
      non2xx: summary.non2xx,
      socketErrors: summary.socketErrors,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A wrk script that sends `target` and prints one machine-readable summary line. */
function wrkScript(target: LoadTarget, valuesFile: string): string {
  // Lua long brackets need no escaping as long as the text has no "]==]".
  const lit = (text: string): string => {
    if (text.includes("]==]")) throw new Error("request text cannot contain ]==]");
    return `[==[${text}]==]`;
  };
  const headers = Object.entries(target.headers)
    // The spaces matter: "[[" would open a Lua long string.
    .map(([k, v]) => `wrk.headers[ ${lit(k)} ] = ${lit(v)}`)
    .join("\n");
  // One row per request, in order; past the last one wrk sends headers of "exhausted" and the worker answers 401.
  const perRequest = target.perRequestHeaders
    ? `local rows, nextRow = {}, 0
for line in io.lines(${lit(valuesFile)}) do
  local row = {}
  for field in string.gmatch(line, "[^\t]+") do row[#row + 1] = field end
  rows[#rows + 1] = row
end
request = function()
  nextRow = nextRow + 1
  local row = rows[nextRow] or {}
${target.perRequestHeaders.names.map((name, i) => `  wrk.headers[ ${lit(name)} ] = row[${i + 1}] or "exhausted"`).join("\n")}
  return wrk.format()
end`
    : "";
  return `wrk.method = ${lit(target.method)}
${target.body === undefined ? "" : `wrk.body = ${lit(target.body)}`}
${headers}
${perRequest}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"non2xx":%d,"socketErrors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
`;
}

async function runAutocannon(target: LoadTarget, connections: number, durationSeconds: number): Promise<LoadResult> {
  if (target.perRequestHeaders) return await runAutocannonPerRequest(target, connections, durationSeconds);
  const bin = resolve(REPO_ROOT, "node_modules/autocannon/autocannon.js");
  const args = [bin, "-c", String(connections), "-d", String(durationSeconds), "-m", target.method, "-j", "-n"];
  for (const [k, v] of Object.entries(target.headers)) args.push("-H", `${k}=${v}`);
  if (target.body !== undefined) args.push("-b", target.body);
  args.push(target.url);
  const stdout = await runChild(process.execPath, args, durationSeconds);
  return fromAutocannon(JSON.parse(stdout) as AutocannonReport);
}

/** The fields of autocannon's JSON result this module reads. */
interface AutocannonReport {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function fromAutocannon(report: AutocannonReport): LoadResult {
  return {
    generator: "autocannon",
    requests: report.requests.total,
    requestsPerSecond: report.requests.total / report.duration,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    non2xx: report.non2xx,
    socketErrors: report.errors + report.timeouts,
  };
}

/**
 * autocannon's CLI sends one fixed request; a header that changes per request
 * needs its API (`setupRequest`), run as a child process all the same.
 */
async function runAutocannonPerRequest(target: LoadTarget, connections: number, durationSeconds: number): Promise<LoadResult> {
  const headers = target.perRequestHeaders;
  if (!headers) throw new Error("runAutocannonPerRequest needs perRequestHeaders");
  const dir = await mkdtemp(join(tmpdir(), "authgent-bench-"));
  try {
    const valuesFile = join(dir, "values.json");
    await writeFile(valuesFile, JSON.stringify(headers.rows));
    const script = join(dir, "run.cjs");
    await writeFile(
      script,
      `const autocannon = require(${JSON.stringify(resolve(REPO_ROOT, "node_modules/autocannon"))});
const rows = JSON.parse(require("node:fs").readFileSync(${JSON.stringify(valuesFile)}, "utf8"));
const names = ${JSON.stringify(headers.names)};
let next = 0;
const base = ${JSON.stringify({ method: target.method, headers: target.headers, body: target.body })};
autocannon({
  url: ${JSON.stringify(target.url)}, connections: ${connections}, duration: ${durationSeconds}, ...base,
  requests: [{ ...base, setupRequest: (req) => {
    const row = rows[next++] ?? [];
    return { ...req, headers: { ...req.headers, ...Object.fromEntries(names.map((name, i) => [name, row[i] ?? "exhausted"])) } };
  } }],
}, (err, result) => {
  if (err) { console.error(err.message); process.exit(1); }
  process.stdout.write(JSON.stringify(result));
});
`,
    );
    const report = JSON.parse(await runChild(process.execPath, [script], durationSeconds)) as AutocannonReport;
    return fromAutocannon(report);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a generator to completion, killing it if it overruns; resolves with its stdout. */
function runChild(command: string, args: string[], durationSeconds: number): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), (durationSeconds + KILL_GRACE_SECONDS) * 1000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(stdout);
      else reject(new Error(`${command} exited with ${signal ?? code}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}
