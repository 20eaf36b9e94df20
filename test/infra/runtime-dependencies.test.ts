/**
 * `npm ci --omit=dev && pulumi up` must work: every package the Pulumi
 * program (and the policy pack built for it) loads at run time comes from
 * `dependencies`, and the Node.js floor in `engines` is one where
 * Pulumi.yaml's `--import tsx` can work.
 */
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { readProjectFile } from "./support/language-host.ts";

interface PackageJson {
  readonly engines: { readonly node: string };
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

const packageJson = async (): Promise<PackageJson> => JSON.parse(await readFile(resolve(REPO_ROOT, "package.json"), "utf8")) as PackageJson;

/** Bare specifiers reachable from `entry` through relative imports ("@pulumi/pulumi/runtime" → "@pulumi/pulumi"). */
async function packagesImportedBy(entries: readonly string[]): Promise<string[]> {
  const result = await build({
    entryPoints: entries.map((entry) => resolve(REPO_ROOT, entry)),
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    outdir: "out",
    platform: "node",
    format: "esm",
    packages: "external",
    metafile: true,
    logLevel: "silent",
  });
  const names = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external) continue;
      const spec = imported.path;
      if (spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0] ?? "")) continue;
      const parts = spec.split("/");
      names.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? spec));
    }
  }
  return [...names].sort();
}

describe("what `pulumi up` loads is installed by `npm ci --omit=dev`", () => {
  it("lists every package the program and the policy pack import in dependencies", async () => {
    const { dependencies } = await packageJson();
    const imported = await packagesImportedBy(["infra/index.ts", "infra/policy/index.ts", "infra/policy/build.ts"]);
    expect(imported).toEqual(expect.arrayContaining(["@pulumi/cloudflare", "@pulumi/pulumi", "@pulumi/policy", "esbuild", "yaml", "zod"]));
    expect(imported.filter((name) => !(name in dependencies))).toEqual([]);
  });

  it("lists the loader Pulumi.yaml's nodeargs import in dependencies", async () => {
    const { dependencies } = await packageJson();
    const { runtime } = await readProjectFile();
    const loaders = String(runtime.options["nodeargs"] ?? "").match(/--import\s+(\S+)/g)?.map((flag) => flag.split(/\s+/)[1]) ?? [];
    expect(loaders).toEqual(["tsx"]);
    for (const loader of loaders) expect(dependencies).toHaveProperty(loader ?? "");
  });
});

describe("engines", () => {
  it("requires a Node.js with module.register, which `--import tsx` needs (added in v20.6.0)", async () => {
    const { engines } = await packageJson();
    const floor = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(engines.node);
    expect(floor, `engines.node "${engines.node}" should be a >= floor`).not.toBeNull();
    const [major, minor] = [Number(floor?.[1]), Number(floor?.[2])];
    // Node.js docs, module.register: "Added in: v20.6.0, v18.19.0"; this project needs 20+.
    expect(major > 20 || (major === 20 && minor >= 6)).toBe(true);
    const { register } = await import("node:module");
    expect(typeof register).toBe("function");
  });
});
