import { env } from "cloudflare:test";
import { decodeJwt } from "jose";
import { describe, expect, inject, it } from "vitest";
import { authenticate } from "../../../worker/auth/authenticate.ts";
import { route } from "../../../worker/http/router.ts";
import { compileServer } from "../../../worker/kit/compile.ts";
import { LogLevels } from "../../../worker/mcp/notifier.ts";
import { DEFAULT_SERVER } from "../../../worker/tools/server.ts";
import { SESSION_CACHE_MAX_ENTRIES, SESSION_CACHE_TTL_MS, SessionCache } from "../../../worker/mcp/sessions.ts";
import { LATEST, MCP_URL, callTool, json, mcpRequest, mintToken, openSession, rpc, send } from "./support.ts";

function subjectOf(token: string): string {
  return String(decodeJwt(token).sub);
}

function deleteSession(token: string, sessionId: string | null): Promise<Response> {
  const headers = new Headers({ authorization: `Bearer ${token}`, "mcp-protocol-version": LATEST });
  if (sessionId !== null) headers.set("mcp-session-id", sessionId);
  return send(new Request(MCP_URL, { method: "DELETE", headers }));
}

describe("MCP sessions", () => {
  it("serves requests that carry the session id initialize returned", async () => {
    const token = await mintToken();
    const sessionId = await openSession(token);
    const response = await callTool(token, "hello", { name: "s" }, { "mcp-session-id": sessionId });
    expect(response.status).toBe(200);
    const notified = await send(
      mcpRequest({ jsonrpc: "2.0", method: "notifications/initialized" }, { token, headers: { "mcp-session-id": sessionId, "mcp-protocol-version": LATEST } }),
    );
    expect(notified.status).toBe(202);
  });

  it("serves requests without a session id (stateless clients)", async () => {
    const token = await mintToken();
    expect((await callTool(token, "hello", { name: "s" })).status).toBe(200);
  });

  it("answers an unknown session id with 404", async () => {
    const token = await mintToken();
    for (const id of [crypto.randomUUID(), "not-a-session", ""]) {
      const response = await callTool(token, "hello", { name: "s" }, { "mcp-session-id": id });
      expect(response.status, id).toBe(404);
      expect(((await json(response)).error as { message: string }).message).toContain("Session not found");
    }
  });

  it("answers another user's session id with 404", async () => {
    const owner = await mintToken({ sub: "session-owner" });
    const intruder = await mintToken({ sub: "session-intruder" });
    const sessionId = await openSession(owner);
    expect((await callTool(intruder, "hello", { name: "s" }, { "mcp-session-id": sessionId })).status).toBe(404);
    expect((await deleteSession(intruder, sessionId)).status).toBe(404);
    expect((await callTool(owner, "hello", { name: "s" }, { "mcp-session-id": sessionId })).status).toBe(200);
  });

  it("ends a session on DELETE, after which it answers 404", async () => {
    const token = await mintToken();
    const sessionId = await openSession(token);
    const ended = await deleteSession(token, sessionId);
    expect(ended.status).toBe(204);
    expect((await callTool(token, "hello", { name: "s" }, { "mcp-session-id": sessionId })).status).toBe(404);
    expect((await deleteSession(token, sessionId)).status).toBe(404);
  });

  it("finds a session from another isolate (empty cache) in the user's Durable Object", async () => {
    const token = await mintToken();
    const sessionId = await openSession(token);
    // A fresh cache is what another isolate has: the look-up must reach storage.
    const otherIsolate = { authenticate, server: compileServer(DEFAULT_SERVER), sessions: new SessionCache(), logLevels: new LogLevels() };
    const known = await route(
      mcpRequest(rpc("ping"), { token, headers: { "mcp-session-id": sessionId, "mcp-protocol-version": LATEST } }),
      env,
      undefined,
      otherIsolate,
    );
    expect(known.status).toBe(200);
    expect(otherIsolate.sessions.has(`${inject("devIssuer")}|${subjectOf(token)}`, sessionId)).toBe(true);
    const unknown = await route(
      mcpRequest(rpc("ping"), { token, headers: { "mcp-session-id": crypto.randomUUID(), "mcp-protocol-version": LATEST } }),
      env,
      undefined,
      otherIsolate,
    );
    expect(unknown.status).toBe(404);
  });

  it("answers DELETE without a session id with 400", async () => {
    const token = await mintToken();
    expect((await deleteSession(token, null)).status).toBe(400);
  });

  it("requires authentication for DELETE", async () => {
    const token = await mintToken();
    const sessionId = await openSession(token);
    const response = await send(new Request(MCP_URL, { method: "DELETE", headers: { "mcp-session-id": sessionId } }));
    expect(response.status).toBe(401);
  });

  it("creates a new session for every initialize, even one that carries an old id", async () => {
    const token = await mintToken();
    const first = await openSession(token);
    const response = await send(
      mcpRequest(rpc("initialize", { protocolVersion: LATEST, capabilities: {}, clientInfo: { name: "t", version: "1" } }), {
        token,
        headers: { "mcp-session-id": first },
      }),
    );
    const second = response.headers.get("mcp-session-id");
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
  });
});

describe("SessionCache", () => {
  it("trusts a confirmed session for the TTL only", () => {
    let now = 1_000_000;
    const cache = new SessionCache(() => now);
    cache.add("iss|alice", "s1");
    expect(cache.has("iss|alice", "s1")).toBe(true);
    expect(cache.has("iss|bob", "s1")).toBe(false);
    now += SESSION_CACHE_TTL_MS - 1;
    expect(cache.has("iss|alice", "s1")).toBe(true);
    now += 1;
    expect(cache.has("iss|alice", "s1")).toBe(false);
  });

  it("forgets a deleted session at once", () => {
    const cache = new SessionCache(() => 0);
    cache.add("o", "s");
    cache.delete("o", "s");
    expect(cache.has("o", "s")).toBe(false);
  });

  it("stays bounded, evicting the oldest entry", () => {
    const cache = new SessionCache(() => 0);
    for (let i = 0; i <= SESSION_CACHE_MAX_ENTRIES; i++) cache.add("o", `s${i}`);
    expect(cache.has("o", "s0")).toBe(false);
    expect(cache.has("o", "s1")).toBe(true);
    expect(cache.has("o", `s${SESSION_CACHE_MAX_ENTRIES}`)).toBe(true);
  });
});
