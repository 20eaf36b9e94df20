/**
 * The benchmark's baseline server: `bench/echo-worker.js` in the same workerd
 * (same Miniflare, compatibility date and flags) as the real worker.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from "../../worker/bindings.ts";

export const ECHO_WORKER = resolve(REPO_ROOT, "bench/echo-worker.js");

export interface EchoWorker {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  dispose(): Promise<void>;
}

export async function startEchoWorker(): Promise<EchoWorker> {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    log: new Log(LogLevel.WARN),
    modulesRoot: dirname(ECHO_WORKER),
    modules: [{ type: "ESModule", path: ECHO_WORKER, contents: await readFile(ECHO_WORKER, "utf8") }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: [...COMPATIBILITY_FLAGS],
    cf: false,
  });
  const url = (await mf.ready).origin;
  return { url, dispose: () => mf.dispose() };
}
