/**
 * `npm start`'s DPoP development token: the printed export and curl request
 * work, once per proof, with proofs from scripts/dpop-proof.ts; the session
 * file holds the key for this user only.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { decodeJwt } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { DEV_DPOP_SESSION_FILE, loadDevDpopSession } from "../../scripts/lib/dev-token.ts";
import { freePort } from "../e2e/support/harness.ts";

const TSX = resolve(REPO_ROOT, "node_modules/.bin/tsx");
const run = promisify(execFile);
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function startDev(): Promise<{ stdout: () => string; stateDir: string; port: number }> {
  const stateDir = await mkdtemp(join(tmpdir(), "dev-dpop-"));
  const port = await freePort();
  const child: ChildProcess = spawn(TSX, ["scripts/dev.ts", "--port", String(port), "--issuer-port", "0", "--state-dir", stateDir], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  cleanup.push(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((done) => child.once("exit", done));
    }
    await rm(stateDir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 60_000;
  while (!out.includes("MCP_DPOP_TOKEN=")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start printed no DPoP token:\n${out}`);
    await new Promise((tick) => setTimeout(tick, 200));
  }
  return { stdout: () => out, stateDir, port };
}

async function proof(stateDir: string): Promise<string> {
  return (await run(TSX, ["scripts/dpop-proof.ts", "--state-dir", stateDir], { cwd: REPO_ROOT })).stdout.trim();
}

describe("npm start: DPoP dev token", () => {
  it("prints a DPoP-bound token and a request that works with a fresh proof each time", async () => {
    const dev = await startDev();
    const token = /export MCP_DPOP_TOKEN=(\S+)/.exec(dev.stdout())?.[1] ?? "";
    const session = await loadDevDpopSession(dev.stateDir);
    expect(session.token).toBe(token);
    expect(decodeJwt(token)).toMatchObject({ cnf: { jkt: expect.stringMatching(/^[\w-]{43}$/) as unknown as string } });
    // The key is a credential: readable by this user only.
    expect((await stat(join(dev.stateDir, DEV_DPOP_SESSION_FILE))).mode & 0o077).toBe(0);
    expect(dev.stdout()).toContain(`-H "DPoP: $(npx tsx scripts/dpop-proof.ts --state-dir ${dev.stateDir})"`);

    const send = async (dpop: string) =>
      await fetch(`http://127.0.0.1:${dev.port}/mcp`, {
        method: "POST",
        headers: { authorization: `DPoP ${token}`, dpop, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "curl", version: "0" } } }),
      });
    const first = await proof(dev.stateDir);
    expect((await send(first)).status).toBe(200);
    expect((await send(await proof(dev.stateDir))).status).toBe(200);
    // RFC 9449 §11.1: the same proof twice is a replay.
    expect((await send(first)).status).toBe(401);
  });

  it("dpop-proof.ts says how to get a session when there is none", async () => {
    const empty = await mkdtemp(join(tmpdir(), "dev-dpop-empty-"));
    cleanup.push(() => rm(empty, { recursive: true, force: true }));
    const failed = await run(TSX, ["scripts/dpop-proof.ts", "--state-dir", empty], { cwd: REPO_ROOT }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain("start the server with npm start first");
  });
});
