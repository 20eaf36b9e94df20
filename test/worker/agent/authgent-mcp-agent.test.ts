import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { AgentClient } from "../../../worker/agent/agent-client.ts";
import { AuthgentMCPAgent } from "../../../worker/agent/authgent-mcp-agent.ts";
import { MAX_KEY_LENGTH, MAX_SESSIONS_PER_USER, SESSION_TTL_SECONDS } from "../../../worker/agent/limits.ts";
import { RateLimitedError } from "../../../worker/auth/errors.ts";
import { principalKey, type Principal } from "../../../worker/auth/principal.ts";
import { callTool, mintToken } from "../mcp/support.ts";

const LIMIT = 1000;
const INIT = { clientId: "c", clientName: "n", protocolVersion: "2025-11-25" } as const;

function principal(subject: string, issuer = "https://issuer.test"): Principal {
  return {
    issuer,
    subject,
    clientId: undefined,
    scope: "mcp:read mcp:write",
    scopes: new Set(["mcp:read", "mcp:write"]),
    expiresAt: 0,
    email: undefined,
    name: undefined,
  };
}

const unique = () => `user-${crypto.randomUUID()}`;
const stubFor = (name: string) => env.MCP_OBJECT.get(env.MCP_OBJECT.idFromName(name));

/**
 * Pins the clock for a suite that talks to the object directly (not over
 * HTTP, where tokens need the real time). The Durable Object runs in the
 * test isolate, so it reads this clock too.
 */
function withPinnedClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:10Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

describe("per-user isolation", () => {
  it("names the object iss|sub from the verified token", async () => {
    const sub = unique();
    const token = await mintToken({ sub });
    expect((await callTool(token, "write_data", { key: "k", value: "mine" })).status).toBe(200);
    const name = `${inject("devIssuer")}|${sub}`;
    const stored = await stubFor(name).readData(name, LIMIT);
    expect(stored).toMatchObject({ limited: false, value: [{ key: "k", value: "mine" }] });
  });

  it("never shows one user's data to another (over HTTP)", async () => {
    const alice = await mintToken({ sub: unique() });
    const bob = await mintToken({ sub: unique() });
    await callTool(alice, "write_data", { key: "secret", value: "alice's" });
    const response = await callTool(bob, "get_data");
    const text = ((await response.json()) as { result: { content: { text: string }[] } }).result.content[0]?.text ?? "";
    expect(JSON.parse(text).data).toEqual({});
    expect(text).not.toContain("alice's");
  });

  it("separates equal subjects of different issuers", async () => {
    const sub = unique();
    const a = new AgentClient(env, principal(sub, "https://a.test"), LIMIT);
    const b = new AgentClient(env, principal(sub, "https://b.test"), LIMIT);
    await a.writeData("k", "from a");
    expect(await b.readData()).toEqual([]);
    expect(a.objectName).toBe(principalKey({ issuer: "https://a.test", subject: sub }));
  });

  it("refuses a call for a different owner than the object's", async () => {
    const name = `https://issuer.test|${unique()}`;
    const stub = stubFor(name);
    await stub.writeData(name, LIMIT, "k", "v");
    await runInDurableObject(stub, async (instance: AuthgentMCPAgent) => {
      expect(() => instance.readData("https://issuer.test|someone-else", LIMIT)).toThrow(/different user/);
      expect(instance.readData(name, LIMIT)).toMatchObject({ limited: false });
    });
  });
});

describe("persistence", () => {
  it("keeps data and sessions when the object is constructed again over the same storage", async () => {
    const name = `https://issuer.test|${unique()}`;
    const stub = stubFor(name);
    await stub.writeData(name, LIMIT, "k", "v");
    const created = await stub.createSession(name, LIMIT, INIT);
    if (created.limited) throw new Error("unexpected limit");
    await runInDurableObject(stub, async (_instance: AuthgentMCPAgent, state) => {
      // What a restart does: a new instance over the same SQLite storage.
      const restarted = new AuthgentMCPAgent(state, env);
      expect(restarted.readData(name, LIMIT)).toMatchObject({ value: [{ key: "k", value: "v" }] });
      expect(restarted.getSession(name, created.value.sessionId)).toMatchObject({ id: created.value.sessionId, ...INIT });
    });
  });
});

describe("sessions", () => {
  withPinnedClock();

  it("creates, finds and deletes a session", async () => {
    const client = new AgentClient(env, principal(unique()), LIMIT);
    const id = await client.createSession(INIT);
    expect(await client.sessionExists(id)).toBe(true);
    expect(await client.deleteSession(id)).toBe(true);
    expect(await client.sessionExists(id)).toBe(false);
    expect(await client.deleteSession(id)).toBe(false);
  });

  it(`ends sessions ${SESSION_TTL_SECONDS} s after creation`, async () => {
    const client = new AgentClient(env, principal(unique()), LIMIT);
    const id = await client.createSession(INIT);
    vi.setSystemTime(Date.now() + SESSION_TTL_SECONDS * 1000 - 1);
    expect(await client.sessionExists(id)).toBe(true);
    vi.setSystemTime(Date.now() + 1);
    expect(await client.sessionExists(id)).toBe(false);
  });

  it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions, ending the oldest`, async () => {
    const client = new AgentClient(env, principal(unique()), LIMIT);
    const ids: string[] = [];
    for (let i = 0; i <= MAX_SESSIONS_PER_USER; i++) {
      ids.push(await client.createSession(INIT));
      vi.setSystemTime(Date.now() + 1);
    }
    expect(await client.sessionExists(ids[0] ?? "")).toBe(false);
    expect(await client.sessionExists(ids[1] ?? "")).toBe(true);
    expect(await client.sessionExists(ids.at(-1) ?? "")).toBe(true);
  });
});

describe("data limits", () => {
  it("refuses empty and over-long keys", async () => {
    const client = new AgentClient(env, principal(unique()), LIMIT);
    expect(await client.writeData("", "v")).toMatchObject({ stored: false });
    expect(await client.writeData("k".repeat(MAX_KEY_LENGTH + 1), "v")).toMatchObject({ stored: false });
    expect(await client.writeData("k".repeat(MAX_KEY_LENGTH), "v")).toEqual({ stored: true, created: true });
  });
});

describe("exact per-user rate limit", () => {
  withPinnedClock();

  it("admits RATE_LIMIT_PER_MINUTE state-touching calls in any 60 s, then throws RateLimitedError with an honest Retry-After", async () => {
    const client = new AgentClient(env, principal(unique()), 3);
    await client.writeData("a", "1");
    await client.readData();
    await client.createSession(INIT);
    const error = await client.readData().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    // All three were admitted at 00:00:10, so the first slot frees at 00:01:10.
    expect((error as RateLimitedError).retryAfterSeconds).toBe(60);
    // A new minute is not a new budget (a fixed window would have admitted this).
    vi.setSystemTime(new Date("2030-01-01T00:01:00Z"));
    await expect(client.readData()).rejects.toBeInstanceOf(RateLimitedError);
    vi.setSystemTime(new Date("2030-01-01T00:01:10Z"));
    expect(await client.readData()).toHaveLength(1);
  });

  it("counts each user separately", async () => {
    const a = new AgentClient(env, principal(unique()), 1);
    const b = new AgentClient(env, principal(unique()), 1);
    await a.readData();
    await expect(a.readData()).rejects.toBeInstanceOf(RateLimitedError);
    await expect(b.readData()).resolves.toEqual([]);
  });
});
