/**
 * The benchmark's comparison workers (`bench/*.js`), bundled with esbuild and
 * run in the same workerd (same Miniflare, compatibility date and flags) as
 * the real worker, so only the code differs.
 */
import { basename, dirname, resolve } from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { bundleWorker, REPO_ROOT } from "../../infra/worker-bundle.ts";
import { COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from "../../worker/bindings.ts";

/** Minimal JSON-RPC echo: the unauthenticated ceiling, scenario (b). */
export const ECHO_WORKER = resolve(REPO_ROOT, "bench/echo-worker.js");
/** jose `jwtVerify` + echo: the price of the signature check alone (reference, no target). */
export const JOSE_FLOOR_WORKER = resolve(REPO_ROOT, "bench/jose-floor-worker.js");

/**
 * The real worker with DPoP replay detection per isolate only: isolates the
 * cost of the Durable Object ledger (reference, no target; never deployed).
 */
export const DPOP_ISOLATE_ONLY_WORKER = resolve(REPO_ROOT, "bench/dpop-isolate-only-worker.js");

/**
 * The echo worker plus an ES256 verify of each request's fresh DPoP proof:
 * the floor of any DPoP check (reference, no target; never deployed).
 */
export const DPOP_VERIFY_FLOOR_WORKER = resolve(REPO_ROOT, "bench/dpop-verify-floor-worker.js");

/**
 * The official server SDK 2.x (`createMcpHandler`) as the protocol layer behind
 * this project's authentication: the adopt-or-keep comparison (reference, no target).
 */
export const SDK_HANDLER_WORKER = resolve(REPO_ROOT, "bench/sdk-handler-worker.ts");

/** The default server plus a zod-declared `hello_zod` (row z: the cost of a zod tool). */
export const KIT_ZOD_WORKER = resolve(REPO_ROOT, "bench/kit-zod-worker.ts");

/** Where the comparison workers' bundles are written (next to the real one, git-ignored). */
const BENCH_BUNDLE_DIR = resolve(REPO_ROOT, "dist/bench");

/** Bundles a comparison worker with the real worker's esbuild settings; returns the bundle's path. */
export async function bundleBenchWorker(entry: string): Promise<string> {
  return (await bundleWorker({ entry, outfile: resolve(BENCH_BUNDLE_DIR, basename(entry)) })).path;
}

export interface BenchWorker {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  dispose(): Promise<void>;
}

export async function startBenchWorker(entry: string, bindings: Record<string, string> = {}): Promise<BenchWorker> {
  // The real worker's esbuild settings, so the comparison workers are built alike.
  const { code } = await bundleWorker({ entry, outfile: resolve(BENCH_BUNDLE_DIR, basename(entry)) });
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    log: new Log(LogLevel.WARN),
    modulesRoot: dirname(entry),
    modules: [{ type: "ESModule", path: entry, contents: code }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: [...COMPATIBILITY_FLAGS],
    bindings,
    cf: false,
  });
  const url = (await mf.ready).origin;
  return { url, dispose: () => mf.dispose() };
}
