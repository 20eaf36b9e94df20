import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";

/** Repository root, resolved from this file so callers may run from any cwd. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The worker's entry point and its default bundle location. */
export const WORKER_ENTRY = resolve(REPO_ROOT, "worker/index.ts");
export const WORKER_BUNDLE = resolve(REPO_ROOT, "dist/worker/index.js");

/**
 * What makes esbuild output a Workers module: one ESM file resolved the way
 * workerd resolves packages (the `workerd`/`worker`/`browser` export
 * conditions, https://developers.cloudflare.com/workers/wrangler/bundling/).
 * Shared by the deploy bundle and the server-module check, so a module that
 * passes the check bundles the same way for deployment.
 */
export const WORKER_MODULE_BUILD: BuildOptions = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
};

export interface WorkerBundle {
  /** Absolute path of the bundle on disk. */
  readonly path: string;
  /** The ES module source, byte for byte what gets uploaded. */
  readonly code: string;
  /** Hex SHA-256 of `code`; equal sources give equal hashes. */
  readonly sha256: string;
}

export interface BundleWorkerOptions {
  /** @default WORKER_ENTRY */
  readonly entry?: string;
  /** @default WORKER_BUNDLE */
  readonly outfile?: string;
}

/**
 * Bundles the worker into one ES module with esbuild.
 *
 * Deterministic by construction: no timestamps, no absolute paths (sources are
 * keyed relative to the repo), no source map. `cloudflare:*` stays external
 * because workerd provides it.
 */
export async function bundleWorker(options: BundleWorkerOptions = {}): Promise<WorkerBundle> {
  const entry = options.entry ?? WORKER_ENTRY;
  const outfile = options.outfile ?? WORKER_BUNDLE;
  const result = await build({
    ...WORKER_MODULE_BUILD,
    entryPoints: [entry],
    absWorkingDir: REPO_ROOT,
    external: ["cloudflare:*"],
    minify: true,
    legalComments: "none",
    charset: "utf8",
    write: false,
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  const code = file.text;
  await writeIfChanged(outfile, code);
  return { path: outfile, code, sha256: createHash("sha256").update(code).digest("hex") };
}

/**
 * Tests, `npm start` and the Pulumi program may bundle concurrently: an
 * unchanged bundle is left alone, a changed one is swapped in atomically so
 * no reader ever sees half a file.
 */
async function writeIfChanged(outfile: string, code: string): Promise<void> {
  const current = await readFile(outfile, "utf8").catch(() => undefined);
  if (current === code) return;
  await mkdir(dirname(outfile), { recursive: true });
  const temp = `${outfile}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, code);
  await rename(temp, outfile);
}
