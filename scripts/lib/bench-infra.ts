/**
 * Fleet timing for `npm run bench`: the offline plan of a 1-server and a
 * 500-server stack, side by side in one run, as users run it (`npm run plan`,
 * a fresh process each: tsx, config validation, bundling, program evaluation
 * under mocks, JSON output). Runs alternate between sizes so load drifts hit
 * both alike. Goal: the 500-server plan within 2× the 1-server plan.
 *
 * Also counts the Cloudflare API requests the program itself makes for the
 * largest fleet, against the fake Cloudflare API (one migration-tag read per
 * server, one deployment read per `rollout:` server).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { createCloudflareApi } from "../../infra/cloudflare-api.ts";
import { parseStackConfig } from "../../infra/config.ts";
import type { BundleBuilder } from "../../infra/bundles.ts";
import { bundleWorker, REPO_ROOT, type WorkerBundle } from "../../infra/worker-bundle.ts";
import { startFakeCloudflareApi } from "./fake-cloudflare-api.ts";
import { renderFleet } from "./offline-plan.ts";

export interface FleetEvaluationSample {
  readonly servers: number;
  /** Resources declared (components included). */
  readonly resources: number;
  /** Median wall time of one plan, milliseconds. */
  readonly medianMs: number;
  readonly msPerServer: number;
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
    const evaluate = options.mode === "in-process" ? inProcess() : planProcess(dir);
    for (const size of sizes) resources.set(size, await evaluate(size)); // warm-up: caches, bundle
    for (let run = 0; run < runs; run++) {
      for (const size of sizes) {
        const start = performance.now();
        await evaluate(size);
        times.get(size)?.push(performance.now() - start);
      }
    }
    return sizes.map((size) => {
      const sorted = [...(times.get(size) ?? [])].sort((a, b) => a - b);
      const medianMs = sorted[Math.floor(sorted.length / 2)] ?? 0;
      return { servers: size, resources: resources.get(size) ?? 0, medianMs: round(medianMs), msPerServer: round(medianMs / size) };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One line per fleet size, then the ratio against the goal. */
export function formatFleetEvaluation(samples: readonly FleetEvaluationSample[]): string {
  const lines = samples.map((s) => `offline plan  ${String(s.servers).padStart(3)} servers  ${String(s.resources).padStart(5)} resources  ${s.medianMs.toFixed(0).padStart(7)} ms  (${s.msPerServer.toFixed(2)} ms/server)`);
  const first = samples[0];
  const last = samples.at(-1);
  if (first && last && last !== first) {
    const ratio = last.medianMs / first.medianMs;
    lines.push(`scaling: ${last.servers / first.servers}x servers → ${ratio.toFixed(2)}x time (goal ≤ ${FLEET_PLAN_GOAL}x: ${ratio <= FLEET_PLAN_GOAL ? "PASS" : "MISS"})`);
  }
  return lines.join("\n");
}

/** Requests the program makes for one evaluation of a fleet against the fake Cloudflare API. */
export async function countProgramRequests(servers: number, rolloutServers = 0): Promise<{ total: number; byPath: Record<string, number> }> {
  const token = "bench-request-count";
  const api = await startFakeCloudflareApi({ apiToken: token });
  try {
    const values = stackConfig(servers);
    (values["authgent-edge:servers"] as Record<string, unknown>[]).slice(0, rolloutServers).forEach((s) => (s["rollout"] = { share: 10 }));
    const config = parseStackConfig({ stack: "bench-requests", values: unprefixed(values), plaintextSecretPaths: [] });
    const client = createCloudflareApi({ apiToken: token, baseUrl: api.url });
    await renderFleet(config, { migrationTags: client, deployments: client, preview: true });
    const byPath: Record<string, number> = {};
    for (const request of api.requests) {
      const kind = `${request.method} ${request.path.replace(/\/accounts\/[^/]+/, "/accounts/:account").replace(/\/(services|scripts)\/[^/]+/, "/$1/:script")}`;
      byPath[kind] = (byPath[kind] ?? 0) + 1;
    }
    return { total: api.requests.length, byPath };
  } finally {
    await api.close();
  }
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

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
