/**
 * Fleet timing for `npm run bench`: the offline plan of a 1-server and a
 * 500-server stack, side by side in one run, as users run it (`npm run plan`,
 * a fresh process each: tsx, config validation, bundling, program evaluation
 * under mocks, JSON output). Runs alternate between sizes so load drifts hit
 * both alike. Goal: the 500-server plan within 2× the 1-server plan.
 *
 * The machine is shared, so each sample also carries the plan's CPU time
 * (user + system of the plan process, which other processes' load does not
 * inflate the way it inflates wall time) and the load average it ran under.
 *
 * Also counts the Cloudflare API requests the program itself makes for the
 * largest fleet, against the fake Cloudflare API (one migration-tag read per
 * server, one deployment read per `rollout:` server).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { createCloudflareApi } from "../../infra/cloudflare-api.ts";
import { parseStackConfig } from "../../infra/config.ts";
import type { BundleBuilder } from "../../infra/bundles.ts";
import { bundleWorker, REPO_ROOT, type WorkerBundle } from "../../infra/worker-bundle.ts";
import { WORKERS_SCRIPT_TYPE } from "../../infra/components/type-tokens.ts";
import { startFakeCloudflareApi } from "./fake-cloudflare-api.ts";
import { againstGlobalLimit, CLOUDFLARE_GLOBAL_LIMIT, providerRequests, WORKER_VERSION_TYPE, WORKERS_DEPLOYMENT_TYPE } from "./provider-requests.ts";
import { renderFleet } from "./offline-plan.ts";

export interface FleetEvaluationSample {
  readonly servers: number;
  /** Resources declared (components included). */
  readonly resources: number;
  /** Median wall time of one plan, milliseconds. */
  readonly medianMs: number;
  readonly msPerServer: number;
  /** Median CPU time (user + system) of one plan, milliseconds; absent where it cannot be read (non-Linux). */
  readonly medianCpuMs?: number;
  /** One-minute load average after this size's timed plans (mean over the runs). */
  readonly loadAverage: number;
}

export interface BenchFleetOptions {
  /** Fleet sizes, smallest first. @default [1, 500] */
  readonly sizes?: readonly number[];
  /** Timed plans per size. @default 3 */
  readonly runs?: number;
  /**
   * "process": `npm run plan` in a fresh process (what users wait for);
   * "in-process": the program evaluation alone, already loaded (for tests).
   * @default "process"
   */
  readonly mode?: "process" | "in-process";
}

/** Accepted ratio of the largest fleet's plan time to the smallest's. */
export const FLEET_PLAN_GOAL = 2;

const ACCOUNT_ID = "0123456789abcdef0123456789abcdef";

export async function benchFleetEvaluation(options: BenchFleetOptions = {}): Promise<FleetEvaluationSample[]> {
  const sizes = options.sizes ?? [1, 500];
  const runs = options.runs ?? 3;
  const dir = await mkdtemp(join(tmpdir(), "bench-fleet-"));
  try {
    for (const size of sizes) await writeFile(join(dir, `Pulumi.bench${size}.yaml`), stringify({ config: stackConfig(size) }));
    const resources = new Map<number, number>();
    const times = new Map<number, number[]>(sizes.map((size) => [size, []]));
    const cpuTimes = new Map<number, number[]>(sizes.map((size) => [size, []]));
    const loads = new Map<number, number[]>(sizes.map((size) => [size, []]));
    const inProcessMode = options.mode === "in-process";
    const evaluate = inProcessMode ? inProcess() : planProcess(dir);
    const cpuClock = inProcessMode ? ownCpuMs : childCpuMs;
    for (const size of sizes) resources.set(size, await evaluate(size)); // warm-up: caches, bundle
    for (let run = 0; run < runs; run++) {
      for (const size of sizes) {
        const start = performance.now();
        const cpuStart = cpuClock();
        await evaluate(size);
        const cpuEnd = cpuClock();
        times.get(size)?.push(performance.now() - start);
        if (cpuStart !== undefined && cpuEnd !== undefined) cpuTimes.get(size)?.push(cpuEnd - cpuStart);
        loads.get(size)?.push(loadavg()[0] ?? 0);
      }
    }
    return sizes.map((size) => {
      const medianMs = median(times.get(size) ?? []);
      const cpu = cpuTimes.get(size) ?? [];
      const load = loads.get(size) ?? [];
      return {
        servers: size,
        resources: resources.get(size) ?? 0,
        medianMs: round(medianMs),
        msPerServer: round(medianMs / size),
        ...(cpu.length > 0 ? { medianCpuMs: round(median(cpu)) } : {}),
        loadAverage: round(load.reduce((sum, l) => sum + l, 0) / Math.max(load.length, 1)),
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One line per fleet size, then the ratios (wall time against the goal; CPU time beside it) and the marginal cost. */
export function formatFleetEvaluation(samples: readonly FleetEvaluationSample[]): string {
  const lines = samples.map(
    (s) =>
      `offline plan  ${String(s.servers).padStart(3)} servers  ${String(s.resources).padStart(5)} resources  ${s.medianMs.toFixed(0).padStart(7)} ms` +
      `${s.medianCpuMs === undefined ? "" : `  ${s.medianCpuMs.toFixed(0).padStart(6)} ms CPU`}  (${s.msPerServer.toFixed(2)} ms/server, load ${s.loadAverage.toFixed(2)})`,
  );
  const first = samples[0];
  const last = samples.at(-1);
  if (first && last && last !== first) {
    const ratio = last.medianMs / first.medianMs;
    const cpuRatio = first.medianCpuMs && last.medianCpuMs !== undefined ? `, ${(last.medianCpuMs / first.medianCpuMs).toFixed(2)}x CPU` : "";
    lines.push(`scaling: ${last.servers / first.servers}x servers → ${ratio.toFixed(2)}x time${cpuRatio} (goal ≤ ${FLEET_PLAN_GOAL}x: ${ratio <= FLEET_PLAN_GOAL ? "PASS" : "MISS"})`);
    const marginal = (last.medianMs - first.medianMs) / (last.servers - first.servers);
    lines.push(`per extra server: ${marginal.toFixed(2)} ms on top of a ${first.medianMs.toFixed(0)} ms fixed cost (process start, module loading, bundling)`);
  }
  return lines.join("\n");
}

/** Requests the program makes for one evaluation of a fleet against the fake Cloudflare API (a preview's, unless `preview: false`). */
export async function countProgramRequests(servers: number, rolloutServers = 0, options: { preview?: boolean } = {}): Promise<{ total: number; byPath: Record<string, number>; resourceTypes: string[] }> {
  const token = "bench-request-count";
  const api = await startFakeCloudflareApi({ apiToken: token });
  try {
    const client = createCloudflareApi({ apiToken: token, baseUrl: api.url });
    const { plan } = await renderFleet(requestCountConfig(servers, rolloutServers), { migrationTags: client, deployments: client, preview: options.preview ?? true });
    const byPath: Record<string, number> = {};
    for (const request of api.requests) {
      const kind = `${request.method} ${request.path.replace(/\/accounts\/[^/]+/, "/accounts/:account").replace(/\/(services|scripts)\/[^/]+/, "/$1/:script")}`;
      byPath[kind] = (byPath[kind] ?? 0) + 1;
    }
    return { total: api.requests.length, byPath, resourceTypes: plan.resources.map((r) => r.type) };
  } finally {
    await api.close();
  }
}

export interface RequestBudgetRow {
  readonly run: string;
  /** Requests the program makes (measured against the fake Cloudflare API). */
  readonly program: number;
  /** Requests the provider makes (counted per resource from its source: provider-requests.ts). */
  readonly provider: number;
  /** Five-minute windows of Cloudflare's global limit the run needs at least. */
  readonly windows: number;
  /** Largest fleet of this shape whose run fits one window. */
  readonly serversPerWindow: number;
}

/**
 * Cloudflare API requests of the runs a fleet goes through: a preview with
 * nothing to change, `pulumi up` of a new stack (its preview, then the
 * update: the program runs twice), `pulumi up` after a code change to every
 * server, and `pulumi refresh` (provider reads only; the program does not run).
 */
export async function fleetRequestBudget(servers: number, rolloutServers = 0): Promise<RequestBudgetRow[]> {
  const preview = await countProgramRequests(servers, rolloutServers);
  const update = await countProgramRequests(servers, rolloutServers, { preview: false });
  const types = preview.resourceTypes;
  // New code: a script upload for most servers; a `rollout:` server's script ignores code changes and
  // gets a new version and a deployment (its canary run) instead.
  const versions = types.filter((type) => type === WORKER_VERSION_TYPE);
  const deployments = types.filter((type) => type === WORKERS_DEPLOYMENT_TYPE);
  const uploads = types.filter((type) => type === WORKERS_SCRIPT_TYPE).slice(versions.length);
  const codeChange = providerRequests(uploads, "update") + providerRequests(versions, "create") + providerRequests(deployments, "update");
  const row = (run: string, program: number, provider: number): RequestBudgetRow => ({ run, program, provider, ...againstGlobalLimit(program + provider, servers) });
  return [
    row("pulumi preview, nothing changed", preview.total, 0),
    row("pulumi up, new stack", preview.total + update.total, providerRequests(types, "create")),
    row("pulumi up, code changed on every server", preview.total + update.total, codeChange),
    row("pulumi refresh", 0, providerRequests(types, "read")),
  ];
}

/** One markdown row per run. */
export function formatRequestBudget(servers: number, rows: readonly RequestBudgetRow[]): string {
  return [
    `| Run, ${servers} servers | Program | Provider | Total | 5-min windows (${CLOUDFLARE_GLOBAL_LIMIT.requests} each) | Fits one window up to |`,
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.run} | ${r.program} | ${r.provider} | ${r.program + r.provider} | ${r.windows} | ${Number.isFinite(r.serversPerWindow) ? `${r.serversPerWindow} servers` : "any size"} |`),
  ].join("\n");
}

function requestCountConfig(servers: number, rolloutServers: number): ReturnType<typeof parseStackConfig> {
  const values = stackConfig(servers);
  (values["authgent-edge:servers"] as Record<string, unknown>[]).slice(0, rolloutServers).forEach((s) => (s["rollout"] = { share: 10 }));
  return parseStackConfig({ stack: "bench-requests", values: unprefixed(values), plaintextSecretPaths: [] });
}

function planProcess(dir: string): (size: number) => Promise<number> {
  return (size) =>
    new Promise((resolvePlan, reject) => {
      execFile(
        process.execPath,
        ["--import", "tsx", resolve(REPO_ROOT, "scripts/plan.ts"), "--stack", `bench${size}`, "--config-dir", dir, "--json"],
        { cwd: REPO_ROOT, maxBuffer: 512 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) return reject(new Error(`npm run plan for ${size} servers failed: ${stderr.slice(-2000)}`, { cause: err }));
          resolvePlan((JSON.parse(stdout) as { resources: unknown[] }).resources.length);
        },
      );
    });
}

function inProcess(): (size: number) => Promise<number> {
  const built = new Map<string, Promise<WorkerBundle>>();
  const build: BundleBuilder = (opts) => {
    let bundle = built.get(opts.entry);
    if (!bundle) built.set(opts.entry, (bundle = bundleWorker(opts)));
    return bundle;
  };
  return async (size) => {
    const config = parseStackConfig({ stack: `bench-${size}`, values: unprefixed(stackConfig(size)), plaintextSecretPaths: [] });
    return (await renderFleet(config, { build })).plan.resources.length;
  };
}

/** A stack file's `config:` for `count` servers (every fourth with zone routes). */
function stackConfig(count: number): Record<string, unknown> {
  const servers = Array.from({ length: count }, (_, i) => {
    const name = `bench-${String(i).padStart(3, "0")}`;
    const routes = i % 4 === 0 ? { routes: [`${name}.example.com/mcp*`, `${name}.example.com/.well-known/oauth-protected-resource*`] } : {};
    return { name, audience: `https://${name}.example.com`, customDomain: `${name}.example.com`, ...routes };
  });
  return {
    "authgent-edge:accountId": ACCOUNT_ID,
    "authgent-edge:defaults": { issuer: "https://auth.example.com", zoneId: ACCOUNT_ID },
    "authgent-edge:servers": servers,
  };
}

function unprefixed(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key.replace(/^authgent-edge:/, ""), value]));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * CPU time of this process's finished children (user + system), from
 * /proc/self/stat fields 16 and 17 (`cutime`, `cstime`, in clock ticks:
 * proc(5)); undefined where there is no /proc. Clock ticks are 100 per
 * second on Linux (`getconf CLK_TCK`), so each reading is ±10 ms.
 */
function childCpuMs(): number | undefined {
  if (!existsSync(PROC_STAT)) return undefined;
  const stat = readFileSync(PROC_STAT, "utf8");
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
  return Number.isFinite(ticks) ? ticks * (1000 / CLOCK_TICKS_PER_SECOND) : undefined;
}

const PROC_STAT = "/proc/self/stat";
/** `sysconf(_SC_CLK_TCK)` on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
