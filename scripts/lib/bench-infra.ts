/**
 * Fleet evaluation timing for `npm run bench`: how long the Pulumi program
 * takes to validate a stack config and declare every resource under mocks,
 * for fleets of 1, 10 and 50 servers. The esbuild bundle is built once
 * beforehand (a real deploy builds it once per source too), so the numbers
 * are config validation + program evaluation.
 */
import { performance } from "node:perf_hooks";
import { parseStackConfig } from "../../infra/config.ts";
import type { BundleBuilder } from "../../infra/bundles.ts";
import { bundleWorker, type WorkerBundle } from "../../infra/worker-bundle.ts";
import { renderFleet } from "./offline-plan.ts";

export interface FleetEvaluationSample {
  readonly servers: number;
  /** Resources declared (components included). */
  readonly resources: number;
  /** Median wall time of one evaluation, milliseconds. */
  readonly medianMs: number;
  readonly msPerServer: number;
}

export interface BenchFleetOptions {
  /** Fleet sizes. @default [1, 10, 50] */
  readonly sizes?: readonly number[];
  /** Timed evaluations per size (after one warm-up). @default 3 */
  readonly runs?: number;
}

export async function benchFleetEvaluation(options: BenchFleetOptions = {}): Promise<FleetEvaluationSample[]> {
  const sizes = options.sizes ?? [1, 10, 50];
  const runs = options.runs ?? 3;
  const built = new Map<string, Promise<WorkerBundle>>();
  const build: BundleBuilder = (opts) => {
    let bundle = built.get(opts.entry);
    if (!bundle) built.set(opts.entry, (bundle = bundleWorker(opts)));
    return bundle;
  };
  const samples: FleetEvaluationSample[] = [];
  for (const size of sizes) {
    const values = syntheticFleet(size);
    const evaluate = async (): Promise<number> => {
      const config = parseStackConfig({ stack: `bench-${size}`, values, plaintextSecretPaths: [] });
      return (await renderFleet(config, { build })).plan.resources.length;
    };
    const resources = await evaluate(); // warm-up (and bundle build)
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await evaluate();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const medianMs = times[Math.floor(times.length / 2)] ?? 0;
    samples.push({ servers: size, resources, medianMs: round(medianMs), msPerServer: round(medianMs / size) });
  }
  return samples;
}

/** One line per fleet size, plus how the time per server changes from the smallest to the largest fleet. */
export function formatFleetEvaluation(samples: readonly FleetEvaluationSample[]): string {
  const lines = samples.map((s) => `fleet evaluation  ${String(s.servers).padStart(3)} servers  ${String(s.resources).padStart(4)} resources  ${s.medianMs.toFixed(1).padStart(8)} ms  (${s.msPerServer.toFixed(2)} ms/server)`);
  const first = samples[0];
  const last = samples.at(-1);
  if (first && last && last !== first) {
    lines.push(`scaling: ${last.servers / first.servers}x servers → ${(last.medianMs / first.medianMs).toFixed(1)}x time`);
  }
  return lines.join("\n");
}

function syntheticFleet(count: number): Record<string, unknown> {
  const servers = Array.from({ length: count }, (_, i) => {
    const name = `bench-${String(i).padStart(3, "0")}`;
    return { name, audience: `https://${name}.example.com`, customDomain: `${name}.example.com`, ...(i % 4 === 0 ? { routes: [`${name}.example.com/v1/*`] } : {}) };
  });
  return {
    accountId: "0123456789abcdef0123456789abcdef",
    defaults: { issuer: "https://auth.example.com", zoneId: "0123456789abcdef0123456789abcdef" },
    servers,
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
