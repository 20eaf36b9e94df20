/**
 * `npm run build`: bundles the worker into dist/worker/index.js (deterministic:
 * the same sources give the same SHA-256) and prints its size and hash.
 * Exit codes: 0 built, 1 build failed, 2 bad usage.
 */
import { gzipSync } from "node:zlib";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { bundleWorker, REPO_ROOT } from "../infra/worker-bundle.ts";

const USAGE = `Usage: npm run build

  Bundles worker/index.ts into dist/worker/index.js and prints its size and SHA-256.
  Takes no arguments.

  -h, --help          Show this help`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { help: { type: "boolean", short: "h" } } });
  if (values.help) return void console.log(USAGE);
  const bundle = await bundleWorker();
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
