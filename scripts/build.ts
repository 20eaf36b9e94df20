/**
 * `npm run build`: bundles the worker into dist/worker/index.js (deterministic:
 * the same sources give the same SHA-256) and prints its size and hash.
 * `--source <entry>` bundles another server module (one that default-exports
 * `defineMcpServer(...).worker` and exports `AuthgentMCPAgent`), `--outdir
 * <dir>` writes `<dir>/index.js`. A server definition error fails the build,
 * naming the offender: the bundle is evaluated once before it is written.
 * Exit codes: 0 built, 1 build failed, 2 bad usage.
 */
import { gzipSync } from "node:zlib";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundleWorker, REPO_ROOT, WORKER_BUNDLE, WORKER_ENTRY } from "../infra/worker-bundle.ts";
import { checkServerModule } from "./lib/server-module.ts";

const USAGE = `Usage: npm run build -- [options]

  Bundles worker/index.ts into dist/worker/index.js and prints its size and SHA-256.

  --source <entry>    Server module to bundle (default worker/index.ts, the default server)
  --outdir <dir>      Write <dir>/index.js (default dist/worker)
  -h, --help          Show this help`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: { source: { type: "string" }, outdir: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void console.log(USAGE);
  const entry = values.source === undefined ? WORKER_ENTRY : resolve(process.cwd(), values.source);
  const outfile = values.outdir === undefined ? WORKER_BUNDLE : resolve(process.cwd(), values.outdir, "index.js");
  // Fails with the definition error (naming the offender) before anything is written.
  if (values.source !== undefined) await checkServerModule(entry);
  const bundle = await bundleWorker({ entry, outfile });
  const raw = Buffer.byteLength(bundle.code);
  const gzip = gzipSync(bundle.code).byteLength;
  console.log(
    `${relative(REPO_ROOT, bundle.path)}  ${(raw / 1024).toFixed(1)} KiB (${(gzip / 1024).toFixed(1)} KiB gzip)  sha256 ${bundle.sha256}`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usage = (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
  console.error(`npm run build: ${err instanceof Error ? err.message : String(err)}`);
  if (usage) console.error(`\n${USAGE}`);
  process.exit(usage ? 2 : 1);
});
