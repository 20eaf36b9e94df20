/**
 * The plan runs: the Authgent container's command, environment and
 * healthcheck exactly as the offline plan of the committed production stack
 * declares them, started as the real authgent-server (the pinned venv of
 * test/support/authgent/), with only what is host-specific substituted: the
 * public URL (→ 127.0.0.1), the data volume's mount point (→ a temp dir), the
 * unset secret key (→ a test value), uvicorn's bind address and port. Its
 * metadata must name the configured issuer, and a token it mints must pass
 * the bundled worker, itself run with the vars the same plan deploys.
 *
 * Python 3.11 here, 3.12 in the image (upstream's base); the package and its
 * dependencies are the same pins (image-constraints.test.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { REPO_ROOT } from "../../../infra/worker-bundle.ts";
import { renderStack } from "../../../scripts/lib/offline-plan.ts";
import { startLocalWorker, type LocalWorker, type WorkerVars } from "../../../scripts/lib/local-worker.ts";
import { WORKER_VARS } from "../../../worker/bindings.ts";
import { connectClient, freePort } from "../../e2e/support/harness.ts";
import { authgentAvailability } from "../../support/authgent/availability.ts";
import { createAuthgentClient } from "../../support/authgent/client.ts";
import type { AuthgentVenv } from "../../../scripts/lib/authgent/venv.ts";

/** What the production plan declares for the Authgent container and the worker. */
interface PlannedAuthgent {
  readonly command: string[];
  readonly envs: string[];
  readonly healthcheck: string[];
  readonly dataPath: string;
  readonly workerVars: WorkerVars;
}

async function planProduction(): Promise<PlannedAuthgent> {
  let container: Record<string, unknown> | undefined;
  // onCreate sees what the Docker provider would receive, secrets revealed.
  const { plan } = await renderStack("production", {
    onCreate: async (_type, name, inputs) => {
      if (name === "authgent-container") container = inputs;
    },
  });
  if (!container) throw new Error("the production plan declares no authgent-container");
  const script = plan.resources.find((r) => r.type === "cloudflare:index/workersScript:WorkersScript");
  const bindings = (script?.inputs["bindings"] ?? []) as { type: string; name: string; text?: string }[];
  const workerVars: WorkerVars = {};
  for (const binding of bindings) {
    if (binding.type === "plain_text" && binding.name in WORKER_VARS) workerVars[binding.name as keyof typeof WORKER_VARS] = String(binding.text);
  }
  const volumes = container["volumes"] as { containerPath: string }[];
  return {
    command: container["command"] as string[],
    envs: container["envs"] as string[],
    healthcheck: (container["healthcheck"] as { tests: string[] }).tests,
    dataPath: volumes[0]?.containerPath ?? "",
    workerVars,
  };
}

/** Replaces `name`'s value in a `NAME=value` list, failing if the plan has no such variable. */
function substitute(envs: readonly string[], name: string, replace: (value: string) => string): string[] {
  const index = envs.findIndex((entry) => entry.startsWith(`${name}=`));
  if (index < 0) throw new Error(`the plan sets no ${name}`);
  return envs.map((entry, i) => (i === index ? `${name}=${replace(entry.slice(name.length + 1))}` : entry));
}

/** uvicorn's `--<flag> <value>`, replaced; the flag must be in the planned command. */
function withFlag(command: readonly string[], flag: string, value: string): string[] {
  const index = command.indexOf(flag);
  if (index < 0) throw new Error(`the planned command has no ${flag}`);
  return command.map((word, i) => (i === index + 1 ? value : word));
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: "ignore" });
    child.on("error", () => resolve(-1));
    child.on("close", (code) => resolve(code ?? -1));
  });
}

/** SIGTERM (uvicorn's graceful shutdown), SIGKILL if it has not exited after 10 s; resolves once it has. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const availability = await authgentAvailability();
const describeWithPython = availability.available ? describe : describe.skip;

describeWithPython(`the production plan's Authgent container, run as the real authgent-server${availability.available ? "" : ` [NOT RUN: ${availability.reason}]`}`, () => {
  let venv: AuthgentVenv;
  let planned: PlannedAuthgent;
  let dataDir: string;
  let server: ChildProcess | undefined;
  let serverLog = "";
  let worker: LocalWorker | undefined;
  let issuer: string;
  let port: number;
  let healthcheck: { command: string; args: string[] };

  beforeAll(async () => {
    if (!availability.available) return;
    venv = availability.venv;
    planned = await planProduction();
    dataDir = await mkdtemp(join(tmpdir(), "authgent-plan-data-"));
    port = await freePort();
    issuer = `http://127.0.0.1:${port}`;

    let envs = substitute(planned.envs, "AUTHGENT_SERVER_URL", () => issuer);
    envs = substitute(envs, "AUTHGENT_DATABASE_URL", (url) => url.replace(`///${planned.dataPath}/`, `///${dataDir}/`));
    envs = substitute(envs, "AUTHGENT_SECRET_KEY", () => randomBytes(32).toString("hex"));
    const env: NodeJS.ProcessEnv = { PATH: `${join(venv.dir, "bin")}:/usr/bin:/bin` };
    for (const entry of envs) env[entry.slice(0, entry.indexOf("="))] = entry.slice(entry.indexOf("=") + 1);

    const [executable, ...args] = withFlag(withFlag(planned.command, "--host", "127.0.0.1"), "--port", String(port));
    // The image's executables, from the venv; the working directory has no .env (Settings reads one).
    server = spawn(join(venv.dir, "bin", executable ?? ""), args, { env, cwd: dataDir, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout?.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));

    // Docker's exec-form healthcheck ["CMD", "python", "-c", …] with the container port mapped.
    const [cmd, python, ...checkArgs] = planned.healthcheck;
    if (cmd !== "CMD" || python !== "python") throw new Error(`unexpected healthcheck ${JSON.stringify(planned.healthcheck)}`);
    healthcheck = { command: venv.python, args: checkArgs.map((arg) => arg.replace("127.0.0.1:8000/", `127.0.0.1:${port}/`)) };
    const deadline = Date.now() + 45_000;
    while ((await run(healthcheck.command, healthcheck.args, env)) !== 0) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`authgent-server did not become healthy:\n${serverLog.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 120_000);

  afterAll(async () => {
    await worker?.dispose();
    await stop(server);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("substitutes nothing but the host-specific values: every other setting runs as planned", () => {
    const untouched = planned.envs.filter((entry) => !/^AUTHGENT_(SERVER_URL|DATABASE_URL|SECRET_KEY)=/.test(entry));
    expect(untouched).toEqual([
      "AUTHGENT_CONSENT_MODE=ui",
      "AUTHGENT_CORS_ORIGINS=[]",
      "AUTHGENT_REGISTRATION_POLICY=open",
      "AUTHGENT_REQUIRE_DPOP=false",
      'AUTHGENT_SCOPES_SUPPORTED=["mcp:read","mcp:write"]',
    ]);
    expect(planned.envs).toContain("AUTHGENT_SECRET_KEY=[not set: authgent.secretKey]");
    expect(planned.command.slice(0, 3)).toEqual(["uvicorn", "authgent_server.app:create_app", "--factory"]);
  });

  it("passes the planned healthcheck (/ready: database and signing key)", async () => {
    expect(await run(healthcheck.command, healthcheck.args, { PATH: "/usr/bin:/bin" })).toBe(0);
  });

  it("publishes RFC 8414 metadata naming the configured issuer and the fleet's scopes", async () => {
    const metadata = await createAuthgentClient(issuer).getJson("/.well-known/oauth-authorization-server");
    expect(metadata["issuer"]).toBe(issuer);
    expect(metadata["jwks_uri"]).toBe(`${issuer}/.well-known/jwks.json`);
    expect(metadata["scopes_supported"]).toEqual(["mcp:read", "mcp:write"]);
  });

  it("backs up its SQLite database with the command docs/authgent.md gives, signing keys included", async () => {
    const doc = await readFile(join(REPO_ROOT, "docs/authgent.md"), "utf8");
    // `docker -H … exec authgent python -c "<script>"`: the script runs in the container, on the data volume.
    const script = /exec authgent python -c "([^"]+)"/.exec(doc)?.[1];
    expect(script).toContain(".backup(");
    const local = (script ?? "").replaceAll(`'${planned.dataPath}/`, `'${dataDir}/`);
    expect(await run(venv.python, ["-c", local], { PATH: "/usr/bin:/bin" })).toBe(0);
    const count = `import sqlite3; assert sqlite3.connect('${dataDir}/authgent-backup.db').execute('select count(*) from signing_keys').fetchone()[0] >= 1`;
    expect(await run(venv.python, ["-c", count], { PATH: "/usr/bin:/bin" })).toBe(0);
  });

  it("mints a token the worker accepts, the worker running with the plan's vars", async () => {
    const workerPort = await freePort();
    const origin = `http://127.0.0.1:${workerPort}`;
    // The same two host-specific values `npm start --stack` replaces: where the issuer and the worker are.
    worker = await startLocalWorker({ port: workerPort, vars: { ...planned.workerVars, AUTHGENT_ISSUER: issuer, MCP_AUDIENCE: origin } });
    const authgent = createAuthgentClient(issuer);
    const client = await authgent.registerClient({ client_name: "deployed-plan-test", scope: "mcp:read mcp:write" });
    const { access_token: token } = await authgent.clientCredentialsToken({ client, resource: origin, scope: "mcp:read mcp:write" });
    let mcp: Client | undefined;
    try {
      ({ client: mcp } = await connectClient(new URL(`${origin}/mcp`), token));
      const { tools } = await mcp.listTools();
      expect(tools.map((tool) => tool.name)).toContain("hello");
      const result = await mcp.callTool({ name: "hello", arguments: { name: "plan" } });
      expect(result.isError ?? false).toBe(false);
    } finally {
      await mcp?.close();
    }
  });
});
