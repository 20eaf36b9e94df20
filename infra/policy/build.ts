/**
 * `npm run policy:build [-- --out <dir>]`: writes the runnable policy pack
 * (default `dist/policy/`): one CommonJS `index.js` bundling the policies and
 * `worker/bindings.ts` (the migration ledger), plus `PulumiPolicy.yaml` and a
 * `package.json`.
 *
 * Why a build: Pulumi's Node.js policy runner loads a pack with `require()`
 * (after registering ts-node in CommonJS mode), while this repository is ESM
 * TypeScript with `.ts` import specifiers. A CommonJS bundle loads the same
 * way on every CLI version. `@pulumi/policy` and `@pulumi/pulumi` stay
 * external and resolve from the repository's node_modules.
 */
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { parse } from "yaml";
import { REPO_ROOT } from "../worker-bundle.ts";

export const POLICY_SOURCE_DIR = resolve(REPO_ROOT, "infra/policy");
export const POLICY_PACK_DIR = resolve(REPO_ROOT, "dist/policy");

export async function buildPolicyPack(outDir: string = POLICY_PACK_DIR): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [resolve(POLICY_SOURCE_DIR, "index.ts")],
    absWorkingDir: REPO_ROOT,
    outfile: resolve(outDir, "index.js"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    external: ["@pulumi/policy", "@pulumi/pulumi"],
    legalComments: "none",
    logLevel: "silent",
  });
  const manifestPath = resolve(POLICY_SOURCE_DIR, "PulumiPolicy.yaml");
  const manifest = parse(await readFile(manifestPath, "utf8")) as { name?: unknown; version?: unknown };
  if (typeof manifest.name !== "string" || typeof manifest.version !== "string") {
    throw new Error(`${manifestPath} must declare name and version`);
  }
  await copyFile(manifestPath, resolve(outDir, "PulumiPolicy.yaml"));
  // @pulumi/policy reads the pack version from package.json; "type": "commonjs"
  // overrides the repository's "type": "module" for this directory.
  const pkg = { name: manifest.name, version: manifest.version, private: true, type: "commonjs", main: "index.js" };
  await writeFile(resolve(outDir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(POLICY_SOURCE_DIR, "build.ts")) {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  buildPolicyPack(values.out ? resolve(values.out) : POLICY_PACK_DIR).then(
    (dir) => console.log(`policy pack written to ${dir}`),
    (err: unknown) => {
      console.error(`policy:build: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
