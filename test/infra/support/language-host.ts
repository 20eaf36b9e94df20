/**
 * What the Pulumi CLI does before a Node.js program runs, reproduced from
 * `Pulumi.yaml` and a stack file, each step after the engine source
 * (GitHub pulumi/pulumi):
 *
 * - working directory: `pkg/engine/project.go` `getPwdMain` turns
 *   `main: infra/` into pwd = infra/; the language host and every provider
 *   plugin start there (`pkg/resource/plugin/plugin.go`, `cmd.Dir = pwd`;
 *   `pkg/host/host.go` and `pkg/resource/plugin/provider_plugin.go` pass
 *   `ctx.Pwd`), and the node process inherits it;
 * - command line: `sdk/nodejs/cmd/pulumi-language-nodejs/main.go`
 *   `execRuntime` runs `node <nodeargs> @pulumi/pulumi/cmd/run` with
 *   `constructArguments`' flags (--monitor, --project, --root-directory,
 *   --stack, --pwd, [--dry-run], --parallel, then the entry point ".");
 * - environment: the CLI's own, plus PULUMI_CONFIG (keys in the legacy
 *   `<ns>:config:<name>` form, `constructConfig`), PULUMI_CONFIG_SECRET_KEYS
 *   (`constructConfigSecretKeys`), PULUMI_NODEJS_TYPESCRIPT when the
 *   `typescript` option is on and PULUMI_NODEJS_TSCONFIG_PATH for `tsconfig`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
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
  /** Stack config by `<namespace>:<name>`, every value a string (structured values as JSON). */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** Environment of the `pulumi` CLI itself, which the language host and the providers inherit. @default none */
  readonly env?: Record<string, string>;
}

/**
 * The engine's `getPwdMain` (pkg/engine/project.go), written out here rather
 * than imported from infra/ so the program cannot agree with itself: a
 * directory `main` is the working directory and the entry point is ".".
 */
export async function engineWorkingDirectory(project: ProjectFile): Promise<{ pwd: string; entryPoint: string }> {
  const main = resolve(REPO_ROOT, project.main);
  const isDir = await stat(main).then((s) => s.isDirectory());
  return isDir ? { pwd: main, entryPoint: "." } : { pwd: dirname(main), entryPoint: basename(main) };
}

/** Provider config for the fake Cloudflare API, and the fake itself (its request log). */
export interface FakeCloudflareEnv {
  (apiToken?: string): LanguageHostEnv;
  /** The running fake, once `beforeAll` has started it. */
  api(): FakeCloudflareApi;
}

/**
 * Starts a fake Cloudflare API for the test file (accepting `token`) and
 * returns the provider config that points the program at it; pass another
 * token to see the program handle a rejected one.
 */
export function useFakeCloudflareApi(token: string): FakeCloudflareEnv {
  let api: FakeCloudflareApi | undefined;
  beforeAll(async () => {
    api = await startFakeCloudflareApi({ apiToken: token });
  });
  afterAll(async () => {
    await api?.close();
  });
  const running = (): FakeCloudflareApi => {
    if (!api) throw new Error("useFakeCloudflareApi: the fake API starts in beforeAll; call this inside a test or hook");
    return api;
  };
  const env = (apiToken = token): LanguageHostEnv => ({
    config: { "cloudflare:apiToken": apiToken, "cloudflare:baseUrl": running().url },
    secretKeys: ["cloudflare:apiToken"],
  });
  return Object.assign(env, { api: running });
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
  return { config: { ...config, ...extra.config }, secretKeys: [...secretKeys, ...extra.secretKeys], ...(extra.env ? { env: extra.env } : {}) };
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
  /** Working directory of the program and of the provider stand-ins (the engine's pwd). */
  readonly cwd: string;
}

export interface RunLikePulumiOptions {
  /** Runtime options instead of Pulumi.yaml's. @default Pulumi.yaml `runtime.options` */
  readonly runtimeOptions?: Readonly<Record<string, unknown>>;
  /** `pulumi preview` (true) or `pulumi up` (false). @default false */
  readonly dryRun?: boolean;
}

/** Runs the project's program through @pulumi/pulumi's runner as the engine and language host start it, under mocks. */
export async function runLikePulumi(stack: string, env: LanguageHostEnv, options: RunLikePulumiOptions = {}): Promise<RunnerResult> {
  const project = await readProjectFile();
  if (project.runtime.name !== "nodejs") throw new Error(`runtime ${project.runtime.name} is not nodejs`);
  const runtime = options.runtimeOptions ?? project.runtime.options;
  const nodeArgs = typeof runtime["nodeargs"] === "string" ? runtime["nodeargs"].split(/\s+/).filter(Boolean) : [];
  const typescript = runtime["typescript"] === undefined ? true : runtime["typescript"] === true || runtime["typescript"] === "true";
  const { pwd, entryPoint } = await engineWorkingDirectory(project);
  const dir = await mkdtemp(join(tmpdir(), "pulumi-runner-"));
  const out = join(dir, "result.json");
  try {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    // vitest's own loader must not help the program load; the test decides the Cloudflare environment.
    for (const key of Object.keys(childEnv)) if (key === "NODE_OPTIONS" || key.startsWith("CLOUDFLARE_") || key.startsWith("PULUMI_")) delete childEnv[key];
    Object.assign(childEnv, env.env ?? {}, {
      PULUMI_CONFIG: JSON.stringify(legacyConfigKeys(env.config)),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(env.secretKeys),
      ...(typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
      ...(typeof runtime["tsconfig"] === "string" ? { PULUMI_NODEJS_TSCONFIG_PATH: runtime["tsconfig"] } : {}),
    });
    const runArgs = [
      "--monitor", "mock",
      "--project", project.name,
      "--root-directory", REPO_ROOT,
      "--stack", stack,
      "--pwd", pwd,
      ...(options.dryRun ? ["--dry-run"] : []),
      "--parallel", "16",
      entryPoint,
    ];
    const args = [...nodeArgs, HOST, "--out", out, "--", ...runArgs];
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolvePromise, reject) => {
      const child = spawn(process.execPath, args, { cwd: pwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
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
      cwd: result.cwd ?? "",
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `constructConfig`: the language host hands keys to the program as `<ns>:config:<name>`. */
function legacyConfigKeys(config: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => {
      const at = key.indexOf(":");
      return [`${key.slice(0, at)}:config:${key.slice(at + 1)}`, value];
    }),
  );
}
