/**
 * What the Pulumi CLI's Node.js language host does before starting a
 * program, reproduced from `Pulumi.yaml` and a stack file: the node command
 * line (runtime `nodeargs`), the TypeScript switch (`typescript` →
 * PULUMI_NODEJS_TYPESCRIPT), the tsconfig override (`tsconfig` →
 * PULUMI_NODEJS_TSCONFIG_PATH) and the config environment (every value a
 * string, structured values as JSON, `secure:` keys listed as secret).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../../../infra/worker-bundle.ts";
import { startFakeCloudflareApi, type FakeCloudflareApi } from "../../../scripts/lib/fake-cloudflare-api.ts";

const HOST = resolve(REPO_ROOT, "test/infra/support/pulumi-runner-host.cjs");

export interface ProjectFile {
  readonly name: string;
  readonly main: string;
  readonly runtime: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
}

export async function readProjectFile(): Promise<ProjectFile> {
  const doc = parseYaml(await readFile(resolve(REPO_ROOT, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
  const runtime = doc["runtime"];
  const normalized =
    typeof runtime === "string"
      ? { name: runtime, options: {} }
      : { name: String((runtime as Record<string, unknown>)["name"]), options: ((runtime as Record<string, unknown>)["options"] ?? {}) as Record<string, unknown> };
  return { name: String(doc["name"]), main: String(doc["main"] ?? "."), runtime: normalized };
}

export interface LanguageHostEnv {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

/**
 * Starts a fake Cloudflare API for the test file (accepting `token`) and
 * returns the provider config that points the program at it; pass another
 * token to see the program handle a rejected one.
 */
export function useFakeCloudflareApi(token: string): (apiToken?: string) => LanguageHostEnv {
  let api: FakeCloudflareApi | undefined;
  beforeAll(async () => {
    api = await startFakeCloudflareApi({ apiToken: token });
  });
  afterAll(async () => {
    await api?.close();
  });
  return (apiToken = token) => {
    if (!api) throw new Error("useFakeCloudflareApi: the fake API starts in beforeAll; call this inside a test or hook");
    return { config: { "cloudflare:apiToken": apiToken, "cloudflare:baseUrl": api.url }, secretKeys: ["cloudflare:apiToken"] };
  };
}

/** Stack file → PULUMI_CONFIG as the CLI builds it (secure values already "decrypted" to a placeholder). */
export async function stackConfigEnv(stack: string, extra: LanguageHostEnv = { config: {}, secretKeys: [] }): Promise<LanguageHostEnv> {
  const doc = (parseYaml(await readFile(resolve(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as Record<string, unknown>;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries((doc["config"] ?? {}) as Record<string, unknown>)) {
    let secret = false;
    const decrypted = JSON.parse(
      JSON.stringify(value, (_k, v: unknown) => {
        if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v) {
          secret = true;
          return "decrypted-placeholder";
        }
        return v;
      }),
    ) as unknown;
    config[key] = typeof decrypted === "string" ? decrypted : typeof decrypted === "object" ? JSON.stringify(decrypted) : String(decrypted);
    if (secret) secretKeys.push(key);
  }
  return { config: { ...config, ...extra.config }, secretKeys: [...secretKeys, ...extra.secretKeys] };
}

export interface RunnerResult {
  readonly exitCode: number;
  readonly stderr: string;
  readonly resources: { type: string; name: string; parent: string | null; inputs: Record<string, unknown> }[];
  /** The Stack resource's registered outputs (secrets as "[secret]"). */
  readonly outputs: Record<string, unknown> | null;
  readonly typescriptLoader: string;
  /** The node command line used, for the record. */
  readonly nodeArgs: string[];
}

/** Runs the project's program through @pulumi/pulumi's runner with the Pulumi.yaml runtime options (or `runtimeOptions`), under mocks. */
export async function runLikePulumi(stack: string, env: LanguageHostEnv, runtimeOptions?: Readonly<Record<string, unknown>>): Promise<RunnerResult> {
  const project = await readProjectFile();
  if (project.runtime.name !== "nodejs") throw new Error(`runtime ${project.runtime.name} is not nodejs`);
  const options = runtimeOptions ?? project.runtime.options;
  const nodeArgs = typeof options["nodeargs"] === "string" ? options["nodeargs"].split(/\s+/).filter(Boolean) : [];
  const typescript = options["typescript"] === undefined ? true : options["typescript"] === true || options["typescript"] === "true";
  const dir = await mkdtemp(join(tmpdir(), "pulumi-runner-"));
  const out = join(dir, "result.json");
  try {
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PULUMI_CONFIG: JSON.stringify(env.config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(env.secretKeys),
      ...(typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
      ...(typeof options["tsconfig"] === "string" ? { PULUMI_NODEJS_TSCONFIG_PATH: options["tsconfig"] } : {}),
    };
    delete childEnv["NODE_OPTIONS"]; // vitest's own loader must not help the program load
    if (!typescript) delete childEnv["PULUMI_NODEJS_TYPESCRIPT"];
    const args = [...nodeArgs, HOST, "--project", project.name, "--stack", stack, "--out", out, project.main];
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolvePromise, reject) => {
      const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.stdout.resume();
      child.on("error", reject);
      child.on("close", (exit) => resolvePromise({ code: exit ?? -1, stderr: err }));
    });
    const result = JSON.parse(await readFile(out, "utf8").catch(() => "{}")) as Partial<RunnerResult>;
    return {
      exitCode: code,
      stderr,
      resources: result.resources ?? [],
      outputs: result.outputs ?? null,
      typescriptLoader: result.typescriptLoader ?? "",
      nodeArgs: args,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
