import { gzipSync } from "node:zlib";
import { relative } from "node:path";
import { bundleWorker, REPO_ROOT } from "../infra/worker-bundle.ts";

const bundle = await bundleWorker();
const raw = Buffer.byteLength(bundle.code);
const gzip = gzipSync(bundle.code).byteLength;
console.log(
  `${relative(REPO_ROOT, bundle.path)}  ${(raw / 1024).toFixed(1)} KiB (${(gzip / 1024).toFixed(1)} KiB gzip)  sha256 ${bundle.sha256}`,
);
