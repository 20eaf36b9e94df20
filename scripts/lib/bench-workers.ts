/**
 * The benchmark's comparison workers (`bench/*.js`), bundled with esbuild and
 * run in the same workerd (same Miniflare, compatibility date and flags) as
 * the real worker, so only the code differs.
 */
import { dirname, resolve } from "node:path";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from "../../worker/bindings.ts";

/** Minimal JSON-RPC echo: the unauthenticated ceiling, scenario (b). */
export const ECHO_WORKER = resolve(REPO_ROOT, "bench/echo-worker.js");
/** jose `jwtVerify` + echo: the price of the signature check alone (reference, no target). */
export const JOSE_FLOOR_WORKER = resolve(REPO_ROOT, "bench/jose-floor-worker.js");

export interface BenchWorker {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  dispose(): Promise<void>;
}

export async function startBenchWorker(entry: string, bindings: Record<string, string> = {}): Promise<BenchWorker> {
  const bundled = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const code = bundled.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`esbuild produced no output for ${entry}`);
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
