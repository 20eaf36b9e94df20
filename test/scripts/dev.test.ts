/**
 * `npm start` (scripts/dev.ts) as a user runs it: a child process that builds
 * the worker, serves it in workerd next to the local issuer and prints how to
 * connect; plus its failure modes (port taken, bad flags).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { assertPortFree } from "../../scripts/lib/local-worker.ts";
import { connectClient, freePort } from "../e2e/support/harness.ts";

const TSX = resolve(REPO_ROOT, "node_modules/.bin/tsx");
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runDev(args: string[]): Run {
  const child = spawn(TSX, ["scripts/dev.ts", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const run: Run = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal }))),
  };
  child.stdout?.on("data", (chunk: Buffer) => (run.stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (run.stderr += chunk.toString("utf8")));
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await run.exited;
    }
  });
  return run;
}

/** Resolves with the first stdout match of `pattern`; rejects if the process exits first. */
function waitForOutput(run: Run, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolveMatch, reject) => {
    const check = (): boolean => {
      const match = run.stdout.match(pattern);
      if (match) resolveMatch(match);
      return match !== null;
    };
    if (check()) return;
    run.child.stdout?.on("data", () => void check());
    void run.exited.then(({ code }) => {
      if (!check()) reject(new Error(`npm start exited (${code}) before printing ${pattern}:\n${run.stdout}\n${run.stderr}`));
    });
  });
}

async function holdPort(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(port, "127.0.0.1", ready));
  cleanup.push(() => new Promise<void>((closed) => server.close(() => closed())));
  return server;
}

async function tempStateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "authgent-dev-state-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("npm start", () => {
  it("serves the worker, prints a working dev token and the Inspector command, and frees its port on Ctrl-C (SIGINT)", async () => {
    const port = await freePort();
    const run = runDev(["--port", String(port), "--issuer-port", "0", "--state-dir", await tempStateDir()]);

    const [, mcpUrl] = await waitForOutput(run, /MCP server:\s+(\S+)/);
    const [, token] = await waitForOutput(run, /export MCP_TOKEN=(\S+)/);
    const origin = `http://127.0.0.1:${port}`;
    expect(mcpUrl).toBe(`${origin}/mcp`);
    expect(run.stdout).toContain(`npx @modelcontextprotocol/inspector --cli ${origin}/mcp --transport http --header "Authorization: Bearer $MCP_TOKEN"`);

    const prm = await fetch(`${origin}/.well-known/oauth-protected-resource`);
    expect(prm.status).toBe(200);
    const metadata = (await prm.json()) as { resource: string; authorization_servers: string[] };
    expect(metadata.resource).toBe(origin);
    expect(run.stdout).toContain(`Issuer:            ${metadata.authorization_servers[0]}`);

    const { client } = await connectClient(new URL(mcpUrl ?? ""), token ?? "");
    try {
      const write = await client.callTool({ name: "write_data", arguments: { key: "smoke", value: "ok" } });
      expect(write.isError).toBeFalsy();
    } finally {
      await client.close();
    }

    run.child.kill("SIGINT");
    // 128 + SIGINT: Miniflare's exit hook stops workerd, then exits as the signal asks.
    expect(await run.exited).toEqual({ code: 130, signal: null });
    expect(run.stdout).toContain("stopping workerd");
    await expect(assertPortFree("127.0.0.1", port)).resolves.toBeUndefined();
  });

  it("with --issuer trusts that issuer, mints no dev token and says how to get one", async () => {
    const port = await freePort();
    const issuer = "https://auth.example.com";
    const run = runDev(["--port", String(port), "--issuer", issuer, "--state-dir", await tempStateDir()]);
    await waitForOutput(run, /Press Ctrl-C to stop\./);
    expect(run.stdout).not.toContain("export MCP_TOKEN");
    expect(run.stdout).toContain(`${issuer}/.well-known/oauth-authorization-server`);
    const prm = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource`);
    expect(await prm.json()).toMatchObject({ authorization_servers: [issuer] });
  });

  it("exits non-zero with a clear message naming --port when the MCP port is taken", async () => {
    const port = await freePort();
    await holdPort(port);
    const run = runDev(["--port", String(port), "--issuer-port", "0", "--state-dir", await tempStateDir()]);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(run.stderr).toContain("--port");
    expect(run.stdout).not.toContain("MCP server:");
  });

  it("exits non-zero naming --issuer-port when the local issuer's port is taken", async () => {
    const [port, issuerPort] = [await freePort(), await freePort()];
    await holdPort(issuerPort);
    const run = runDev(["--port", String(port), "--issuer-port", String(issuerPort), "--state-dir", await tempStateDir()]);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr).toContain(`port ${issuerPort}`);
    expect(run.stderr).toContain("--issuer-port");
    await expect(assertPortFree("127.0.0.1", port)).resolves.toBeUndefined();
  });

  it("rejects a malformed --port or an unknown flag with usage and exit code 2", async () => {
    const badPort = runDev(["--port", "80a"]);
    expect((await badPort.exited).code).toBe(2);
    expect(badPort.stderr).toContain('--port must be an integer from 1 to 65535, got "80a"');
    expect(badPort.stderr).toContain("Usage: npm start");

    const unknown = runDev(["--prot", "8787"]);
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.stderr).toContain("--prot");
  });
});
