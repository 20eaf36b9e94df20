/**
 * `npm start -- --authgent`: the released authgent-server from the cached
 * venv as the local issuer. Driven as a developer does: the banner's curl
 * gets a client_credentials token for the worker's audience from the real
 * Authgent, the official MCP SDK client calls tools with it, and Ctrl-C
 * (SIGINT to the foreground process group) leaves no Python process behind.
 * In the interop project: it needs the venv global setup.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { decodeJwt } from "jose";
import { afterAll, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { assertPortFree } from "../../scripts/lib/local-worker.ts";
import { connectClient, freePort, textOf } from "../e2e/support/harness.ts";
import { describeWithAuthgent } from "../support/authgent/use-authgent.ts";

const run = promisify(execFile);

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const started: ChildProcess[] = [];
let stateDir = "";
afterAll(async () => {
  // Whatever of a run's group is left (a failed assertion before Ctrl-C).
  for (const child of started) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** `npm start -- <args>` as its own process group, like a shell's foreground job. */
function npmStart(args: string[]): Started {
  const child = spawn("npm", ["start", "--", ...args], { cwd: REPO_ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

async function waitFor(started: Started, pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = started.output().match(pattern);
    if (match) return match;
    if (started.child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in npm start's output:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Ctrl-C: SIGINT to the whole foreground group (npm, tsx, node; not Authgent's own group). */
async function ctrlC(started: Started): Promise<void> {
  process.kill(-(started.child.pid ?? 0), "SIGINT");
  await started.exited;
}

/** npm may exit before its node child has run its exit hooks: give the group a moment to finish. */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return !isAlive(pid);
}

/** A zombie (exited, not yet reaped by whoever inherited it) counts as gone: it holds no port and runs nothing. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // proc(5): the state is the field after the parenthesised command name (which may itself hold ")").
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 1).trim()[0] !== "Z";
  } catch {
    return false;
  }
}

/** Runs the banner's command in a shell and returns the token it exported. */
async function tokenFromBanner(command: string): Promise<string> {
  const { stdout } = await run("sh", ["-c", `${command} && printf %s "$MCP_TOKEN"`], { timeout: 30_000 });
  return stdout;
}

describeWithAuthgent("npm start -- --authgent", () => {
  it("serves the worker against the real Authgent: the banner's curl gets a token for the audience, SDK tools/call works, Ctrl-C stops Python; a restart keeps client and keys", async () => {
    stateDir = await mkdtemp(join(tmpdir(), "authgent-dev-authgent-"));
    const [port, issuerPort] = [await freePort(), await freePort()];
    const origin = `http://127.0.0.1:${port}`;
    const args = ["--authgent", "--port", String(port), "--issuer-port", String(issuerPort), "--state-dir", stateDir];
    const first = npmStart(args);

    const [, issuer, pid] = await waitFor(first, /Issuer:\s+(\S+)\s+\(authgent-server [\d.]+, pid (\d+), consent auto_approve: development only\)/);
    expect(issuer).toBe(`http://127.0.0.1:${issuerPort}`);
    const [command] = await waitFor(first, /export MCP_TOKEN=\$\(curl .*\)$/m);
    const token = await tokenFromBanner(command);
    // RFC 8707: the token is for this server only, from the real Authgent.
    expect(decodeJwt(token)).toMatchObject({ iss: issuer, aud: origin, scope: "mcp:read mcp:write" });
    const metadata = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as { scopes_supported?: string[] };
    expect(metadata.scopes_supported).toEqual(["mcp:read", "mcp:write"]);

    const { client } = await connectClient(new URL(`${origin}/mcp`), token);
    try {
      expect(textOf(await client.callTool({ name: "hello", arguments: { name: "Authgent" } }))).toMatch(/^Hello, Authgent! \(user: client:/);
      expect((await client.callTool({ name: "write_data", arguments: { key: "k", value: "v" } })).isError).toBeFalsy();
    } finally {
      await client.close();
    }

    // The secret key is the owner's alone and never printed.
    const secretKey = join(stateDir, "authgent", "secret-key");
    expect((await stat(secretKey)).mode & 0o777).toBe(0o600);
    expect(first.output()).not.toContain((await readFile(secretKey, "utf8")).trim());

    await ctrlC(first);
    // A bound, not a timing claim: SIGTERM, SIGKILL 5 s later (scripts/lib/authgent/process.ts), and on a
    // loaded two-core CI machine the signal handling around it can lag (10 s once was not enough there).
    expect(await goneWithin(Number(pid), 30_000)).toBe(true);
    await expect(assertPortFree("127.0.0.1", issuerPort)).resolves.toBeUndefined();

    // Same state dir: the same registered client, and the first run's token still verifies
    // (signing keys kept in SQLite, decrypted with the persisted secret key).
    const second = npmStart(args);
    const [again] = await waitFor(second, /export MCP_TOKEN=\$\(curl .*\)$/m);
    expect(again).toBe(command);
    const reconnected = await connectClient(new URL(`${origin}/mcp`), token);
    try {
      expect(textOf(await reconnected.client.callTool({ name: "get_data", arguments: {} }))).toContain('"k":"v"');
    } finally {
      await reconnected.client.close();
    }
    await ctrlC(second);
  });
});
