/**
 * One esbuild bundle per distinct worker source, shared by every server that
 * runs it (a 50-server fleet on one source builds once).
 */
import { relative, resolve } from "node:path";
import { MAIN_MODULE } from "../worker/bindings.ts";
import type { ServerConfig } from "./config.ts";
import { providerPath } from "./program-dir.ts";
import { bundleWorker, REPO_ROOT, WORKER_BUNDLE, WORKER_ENTRY, type WorkerBundle } from "./worker-bundle.ts";

/** What a `WorkersScript` needs from a bundle. */
export interface DeployBundle {
  /**
   * Path of the bundle relative to the directory the Cloudflare provider runs
   * in (`infra/` under `pulumi up`, see `program-dir.ts`), which is where it
   * opens the file. Relative so that CI and laptops produce identical inputs.
   */
  readonly contentFile: string;
  /** Hex SHA-256 of the bundle; changes exactly when the code changes. */
  readonly sha256: string;
}

/** A deploy bundle with its code, which `describeServerBundle` evaluates instead of building again. */
export interface BuiltBundle extends DeployBundle {
  /** The ES module source, byte for byte what gets uploaded. */
  readonly code: string;
}

export type BundleBuilder = (options: { entry: string; outfile: string }) => Promise<WorkerBundle>;

/**
 * Builds each distinct `source` once. Keys of the result are the servers'
 * `source` values; `providerDir` is the provider's working directory.
 */
export async function buildBundles(servers: readonly ServerConfig[], providerDir: string, build: BundleBuilder = bundleWorker): Promise<ReadonlyMap<string, BuiltBundle>> {
  const sources = [...new Set(servers.map((s) => s.source))].sort();
  const out = new Map<string, BuiltBundle>();
  for (const source of sources) {
    const entry = resolve(REPO_ROOT, source);
    const outfile = bundlePath(entry);
    let bundle: WorkerBundle;
    try {
      bundle = await build({ entry, outfile });
    } catch (err) {
      const users = servers.filter((s) => s.source === source).map((s) => s.name);
      throw new Error(`building worker source ${source} (used by ${users.join(", ")}) failed: ${(err as Error).message}`, { cause: err });
    }
    out.set(source, { contentFile: providerPath(bundle.path, providerDir), sha256: bundle.sha256, code: bundle.code });
  }
  return out;
}

/** The default source keeps `dist/worker/index.js`; others get `dist/workers/<source>/index.js`. */
export function bundlePath(entry: string): string {
  if (entry === WORKER_ENTRY) return WORKER_BUNDLE;
  const slug = relative(REPO_ROOT, entry).replace(/\.ts$/, "").replace(/[^\w.-]+/g, "-");
  return resolve(REPO_ROOT, "dist/workers", slug, MAIN_MODULE);
}
