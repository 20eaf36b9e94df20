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
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { parse } from "yaml";
import { DEFAULT_WORKER_SOURCE, PROJECT } from "../config.ts";
import { describeServerSource } from "../server-description.ts";
import { REPO_ROOT } from "../worker-bundle.ts";
import { SERVER_DO_CLASSES_DEFINE } from "./policies/durable-object-ledger.ts";

export const POLICY_SOURCE_DIR = resolve(REPO_ROOT, "infra/policy");
export const POLICY_PACK_DIR = resolve(REPO_ROOT, "dist/policy");

export async function buildPolicyPack(outDir: string = POLICY_PACK_DIR): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const serverClasses = await serverDurableObjectClasses();
  await build({
    // The pack cannot evaluate server modules itself (it is CommonJS, they are ESM TypeScript), so the
    // Durable Object classes their manifests declare are read here and compiled in.
    define: { [SERVER_DO_CLASSES_DEFINE]: JSON.stringify(serverClasses) },
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

/**
 * The Durable Object classes of every server the stack files in `dir` run
 * (each distinct `source`, evaluated once): the classes their own ledgers
 * create, which `defineMcpServer` checked against those ledgers.
 */
export async function serverDurableObjectClasses(dir: string = REPO_ROOT): Promise<string[]> {
  const sources = new Set<string>();
  for (const file of (await readdir(dir)).filter((name) => /^Pulumi\.[\w.-]+\.yaml$/.test(name)).sort()) {
    const config = (parse(await readFile(resolve(dir, file), "utf8")) as { config?: Record<string, unknown> } | null)?.config;
    const servers = config?.[`${PROJECT}:servers`];
    if (!Array.isArray(servers)) continue;
    for (const server of servers) {
      const source = (server as { source?: unknown } | null)?.source;
      sources.add(typeof source === "string" ? source : DEFAULT_WORKER_SOURCE);
    }
  }
  const classes = new Set<string>();
  for (const source of [...sources].sort()) {
    const { description } = await describeServerSource(source);
    for (const { className } of Object.values(description.manifest.durableObjects ?? {})) classes.add(className);
  }
  return [...classes].sort();
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
