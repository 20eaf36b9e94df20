/**
 * The local HTTP front before workerd (scripts/lib/front-door.ts): broken
 * request framing and clients that leave are client errors, answered or
 * dropped without a 5xx and without workerd printing errors or stack traces.
 */
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { framingErrorResponse } from "../../scripts/lib/front-door.ts";
import { verifyTargets } from "../../scripts/lib/verify-run.ts";
import { parseTarget } from "../../scripts/lib/verify-target.ts";
import { ADMIN_SECRET_HEADER } from "../../scripts/lib/local-issuer.ts";
import { startLocalWorker, type LocalWorker } from "../../scripts/lib/local-worker.ts";

/** Sends raw bytes and returns everything the server answers before closing (or `waitMs`). */
function rawExchange(url: string, bytes: string, options: { hangUpAfterSend?: boolean; waitMs?: number } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let answer = "";
    const socket = connect(Number(port), hostname, () => {
      socket.write(bytes);
      if (options.hangUpAfterSend) socket.destroy();
    });
    const timer = setTimeout(() => socket.destroy(), options.waitMs ?? 5_000);
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on("error", () => undefined);
  });
}

function post(url: string, headers: string, body: string): string {
  const { host } = new URL(url);
  return `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;
}

const audience = "http://127.0.0.1:1";
let stderr: string[] = [];
afterEach(() => vi.restoreAllMocks());

/** workerd's stdout/stderr reach this process as console.log/console.error lines (Miniflare's default pipeOutput). */
function captureOutput(): void {
  stderr = [];
  for (const method of ["log", "info", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void stderr.push(args.map(String).join(" ")));
  }
}

/**
 * One ordinary request after the odd one, then a grace period: workerd writes
 * its complaints asynchronously, and an absence can only be checked after a wait.
 */
async function settle(worker: LocalWorker): Promise<void> {
  await (await fetch(`${worker.url}/.well-known/oauth-protected-resource`)).text();
  await new Promise((resolve) => setTimeout(resolve, 500));
}

describe("npm start's front before workerd", () => {
  let worker: LocalWorker;
  let token: string;
  beforeAll(async () => {
    worker = await startLocalWorker({ vars: { AUTHGENT_ISSUER: inject("devIssuer"), MCP_AUDIENCE: audience } });
    const minted = await fetch(`${inject("issuerOrigin")}/__admin/mint`, {
      method: "POST",
      headers: { "content-type": "application/json", [ADMIN_SECRET_HEADER]: inject("issuerAdminSecret") },
      body: JSON.stringify({ audience }),
    });
    token = ((await minted.json()) as { token: string }).token;
  });
  afterAll(() => worker.dispose());

  it.each(["-1", "abc", "1e3"])("answers Content-Length: %s with 400 and closes, printing nothing", async (value) => {
    captureOutput();
    const answer = await rawExchange(worker.url, post(worker.url, `Authorization: Bearer ${token}\r\nContent-Length: ${value}\r\n`, "{}"));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("Connection: close");
    expect(answer).toContain('"error":"invalid_request"');
    await settle(worker);
    expect(stderr.join("")).toBe("");
  });

  it("drops a client that hangs up mid-body without the worker logging an error", async () => {
    captureOutput();
    await rawExchange(worker.url, post(worker.url, `Authorization: Bearer ${token}\r\nContent-Length: 100\r\n`, '{"jsonrpc":'), { hangUpAfterSend: true });
    await settle(worker);
    expect(stderr.join("")).toBe("");
  });

  it("keeps workerd quiet while npm run verify checks it (no Broken pipe)", async () => {
    captureOutput();
    const rows = await verifyTargets([parseTarget(`${worker.url}/mcp`, {})], { fetch, timeoutMs: 10_000, token });
    expect(rows.length).toBeGreaterThan(0);
    await settle(worker);
    expect(stderr.join("")).not.toMatch(/Broken pipe|error/i);
  });

  it("passes ordinary requests through unchanged", async () => {
    const response = await fetch(`${worker.url}/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain(`resource_metadata="${audience}/.well-known/oauth-protected-resource"`);
  });
});

describe("framing error answers", () => {
  it("are 400 for broken framing, 431 for oversized headers, nothing for a reset", () => {
    expect(framingErrorResponse("HPE_INVALID_CONTENT_LENGTH")).toMatch(/^HTTP\/1\.1 400 /);
    expect(framingErrorResponse("HPE_HEADER_OVERFLOW")).toMatch(/^HTTP\/1\.1 431 /);
    expect(framingErrorResponse("ECONNRESET")).toBeUndefined();
  });
});

describe("workerd without the front (what the front is for)", () => {
  it("answers an invalid Content-Length itself with a plain-text 500 and an error-level stack trace, before the worker runs", async () => {
    const bare = await startLocalWorker({ vars: { AUTHGENT_ISSUER: inject("devIssuer"), MCP_AUDIENCE: audience }, front: false });
    // Captured, not printed: npm test's output stays free of workerd's traces.
    captureOutput();
    try {
      const answer = await rawExchange(bare.url, post(bare.url, "Content-Length: abc\r\nConnection: close\r\n", "{}"));
      // If this starts failing, workerd now rejects broken framing itself and the front may be unnecessary.
      expect(answer).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
      await settle(bare);
      expect(stderr.join("\n")).toContain("invalid Content-Length header value");
    } finally {
      await bare.dispose();
    }
  });
});
