/**
 * The per-user Durable Object through the real (bundled) worker: isolation
 * between users, storage and sessions surviving a workerd restart, and the
 * two rate limits (edge binding on every call, exact count in the object for
 * calls that touch state).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  connectClient,
  mintFor,
  postMcp,
  startE2EWorker,
  startLocalIssuer,
  textOf,
  type E2EWorker,
  type LocalIssuer,
} from "./support/harness.ts";
import { withinOneWindow } from "../support/within-one-window.ts";

let issuer: LocalIssuer;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  issuer = await startLocalIssuer();
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

afterAll(async () => {
  await issuer?.close();
});

async function worker(options: Parameters<typeof startE2EWorker>[1] = {}): Promise<E2EWorker> {
  const server = await startE2EWorker(issuer, options);
  cleanup.push(() => server.dispose());
  return server;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "authgent-e2e-do-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function storedData(server: E2EWorker, sub: string): Promise<Record<string, string>> {
  const { client } = await connectClient(server.mcpUrl, await mintFor(issuer, server.origin, { sub }));
  try {
    return (JSON.parse(textOf(await client.callTool({ name: "get_data", arguments: {} }))) as { data: Record<string, string> }).data;
  } finally {
    await client.close();
  }
}

async function write(server: E2EWorker, sub: string, key: string, value: string): Promise<void> {
  const { client } = await connectClient(server.mcpUrl, await mintFor(issuer, server.origin, { sub }));
  try {
    const result = await client.callTool({ name: "write_data", arguments: { key, value } });
    expect(result.isError).toBeFalsy();
  } finally {
    await client.close();
  }
}

describe("per-user isolation", () => {
  it("never shows one user's data to another, even under the same key", async () => {
    const server = await worker();
    await write(server, "alice", "note", "alice's secret");
    expect(await storedData(server, "bob")).toEqual({});

    await write(server, "bob", "note", "bob's note");
    expect(await storedData(server, "alice")).toEqual({ note: "alice's secret" });
    expect(await storedData(server, "bob")).toEqual({ note: "bob's note" });
  });

  it("does not let a user ride another user's session id (404, as for an unknown session)", async () => {
    const server = await worker();
    const alice = await connectClient(server.mcpUrl, await mintFor(issuer, server.origin, { sub: "alice-s" }));
    const aliceSession = alice.transport.sessionId;
    expect(aliceSession).toEqual(expect.any(String));
    await alice.client.close();

    const bobToken = await mintFor(issuer, server.origin, { sub: "bob-s" });
    const response = await postMcp(server.mcpUrl, bobToken, "tools/list", {}, { "mcp-session-id": aliceSession ?? "" });
    expect(response.status).toBe(404);
    // Bob's own requests without that id are fine: the 404 is about the session, not Bob.
    expect((await postMcp(server.mcpUrl, bobToken, "tools/list")).status).toBe(200);
  });
});

describe("persistence across a workerd restart", () => {
  it("keeps a user's data and sessions when the worker restarts on the same persisted storage", async () => {
    const persistDir = await tempDir();
    const first = await worker({ persistDir });
    await write(first, "persistent-user", "city", "Lisbon");
    const token = await mintFor(issuer, first.origin, { sub: "persistent-user" });
    const { client, transport } = await connectClient(first.mcpUrl, token);
    const sessionId = transport.sessionId;
    expect(sessionId).toEqual(expect.any(String));
    // close() drops the connection without ending the session (that would be DELETE).
    await client.close();
    await first.dispose();

    const second = await worker({ persistDir, port: first.port });
    expect(await storedData(second, "persistent-user")).toEqual({ city: "Lisbon" });
    // The new isolate has an empty session cache, so this is answered from the object's storage.
    const resumed = await connectClient(second.mcpUrl, token, { sessionId });
    try {
      await expect(resumed.client.listTools()).resolves.toMatchObject({ tools: expect.any(Array) });
    } finally {
      await resumed.client.close();
    }
  });

  it("starts empty after a restart without persisted storage (the control for the test above)", async () => {
    const first = await worker();
    await write(first, "ephemeral-user", "city", "Porto");
    const token = await mintFor(issuer, first.origin, { sub: "ephemeral-user" });
    const { client, transport } = await connectClient(first.mcpUrl, token);
    const sessionId = transport.sessionId;
    await client.close();
    await first.dispose();

    const second = await worker({ port: first.port });
    expect(await storedData(second, "ephemeral-user")).toEqual({});
    const stale = await connectClient(second.mcpUrl, token, { sessionId });
    try {
      const list = stale.client.listTools();
      await expect(list).rejects.toBeInstanceOf(StreamableHTTPError);
      await expect(list).rejects.toMatchObject({ code: 404 });
    } finally {
      await stale.client.close();
    }
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After once a user exceeds RATE_LIMIT_PER_MINUTE, without limiting other users", async () => {
    const server = await worker({ vars: { RATE_LIMIT_PER_MINUTE: "3" } });
    const hello = { name: "hello", arguments: { name: "x" } };
    const { statuses, limited } = await withinOneWindow(async () => {
      const token = await mintFor(issuer, server.origin, { sub: `busy-user-${randomUUID()}` });
      const other = await mintFor(issuer, server.origin, { sub: `quiet-user-${randomUUID()}` });
      const responses: Response[] = [];
      for (let i = 0; i < 4; i++) responses.push(await postMcp(server.mcpUrl, token, "tools/call", hello));
      responses.push(await postMcp(server.mcpUrl, other, "tools/call", hello));
      return { statuses: responses.map((r) => r.status), limited: responses[3] };
    });
    expect(statuses).toEqual([200, 200, 200, 429, 200]);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("counts calls that touch state exactly in the user's Durable Object, leaving stateless calls to the edge limit", async () => {
    // Edge binding generous, object's exact limit 3/min: only the object can say no here.
    const server = await worker({ vars: { RATE_LIMIT_PER_MINUTE: "3" }, rateLimit: 1000 });
    const writeCall = { name: "write_data", arguments: { key: "k", value: "v" } };
    const { statuses, limited } = await withinOneWindow(async () => {
      const token = await mintFor(issuer, server.origin, { sub: `writer-${randomUUID()}` });
      const responses: Response[] = [];
      for (let i = 0; i < 4; i++) responses.push(await postMcp(server.mcpUrl, token, "tools/call", writeCall));
      responses.push(await postMcp(server.mcpUrl, token, "tools/call", { name: "hello", arguments: { name: "x" } }));
      return { statuses: responses.map((r) => r.status), limited: responses[3] };
    });
    expect(statuses).toEqual([200, 200, 200, 429, 200]);
    const retryAfter = Number(limited?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });
});
