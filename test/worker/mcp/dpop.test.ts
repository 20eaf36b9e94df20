/**
 * DPoP through the whole worker: real tokens from the local issuer bound to
 * a client key, `tools/call` over the runtime, the user's Durable Object as
 * the cross-isolate replay ledger, the optional server nonce, and the
 * metadata and challenges a DPoP-only server publishes.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AgentClient } from "../../../worker/agent/agent-client.ts";
import type { AuthgentMCPAgent } from "../../../worker/agent/authgent-mcp-agent.ts";
import { DPOP_FLUSH_INTERVAL_MS, DpopProofLedger } from "../../../worker/agent/dpop-ledger.ts";
import { DpopReplayGuard, type SharedProofLedger } from "../../../worker/auth/dpop/replay-guard.ts";
import { principalKey, type Principal } from "../../../worker/auth/principal.ts";
import { dpopKey, dpopProof, type DpopKey } from "../auth/dpop-client.ts";
import { json, LATEST, MCP_URL, mcpRequest, mintToken, rpc, send, sendWithEnv } from "./support.ts";

const HELLO = rpc("tools/call", { name: "hello", arguments: { name: "dpop" } });

async function bound(key: DpopKey, sub = `user-${crypto.randomUUID()}`): Promise<string> {
  return await mintToken({ sub, claims: { cnf: { jkt: key.jkt } } });
}

function dpopCall(token: string, proof: string, body: unknown = HELLO): Request {
  return mcpRequest(body, { headers: { authorization: `DPoP ${token}`, dpop: proof, "mcp-protocol-version": LATEST } });
}

const proofFor = (key: DpopKey, token: string, claims: Record<string, unknown> = {}) =>
  dpopProof(key, { method: "POST", url: MCP_URL, token }, { claims });

describe("DPoP over /mcp", () => {
  it("answers tools/call hello for a DPoP-bound token with its proof, and refuses the same proof again", async () => {
    const key = await dpopKey();
    const token = await bound(key);
    const proof = await proofFor(key, token);
    const first = await send(dpopCall(token, proof));
    expect(first.status).toBe(200);
    expect(JSON.stringify(await json(first))).toContain("Hello, dpop");
    const replay = await send(dpopCall(token, proof));
    expect(replay.status).toBe(401);
    expect(replay.headers.get("www-authenticate")).toContain('DPoP error="invalid_dpop_proof", error_description="The DPoP proof was already used"');
    // A fresh proof with the same token still works.
    expect((await send(dpopCall(token, await proofFor(key, token)))).status).toBe(200);
  });

  it("refuses a proof replayed to another isolate: the user's Durable Object remembers it", async () => {
    const key = await dpopKey();
    const token = await bound(key);
    const proof = await proofFor(key, token);
    // Each call gets its own env object, hence its own isolate-local guard (worker/index.ts depsFor).
    expect((await sendWithEnv(dpopCall(token, proof), {})).status).toBe(200);
    const elsewhere = await sendWithEnv(dpopCall(token, proof), {});
    expect(elsewhere.status).toBe(401);
    expect(((await elsewhere.json()) as { error: string }).error).toBe("invalid_dpop_proof");
  });

  it("refuses a DPoP-bound token presented as Bearer over HTTP", async () => {
    const key = await dpopKey();
    const response = await send(mcpRequest(HELLO, { token: await bound(key), headers: { "mcp-protocol-version": LATEST } }));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  });
});

describe("the replay guard's two layers", () => {
  const principal = (subject: string): Principal => ({
    issuer: "https://issuer.test",
    subject,
    clientId: "c",
    scope: "",
    scopes: new Set(),
    expiresAt: 0,
    email: undefined,
    name: undefined,
  });
  const doLedger: SharedProofLedger = (p, uses) => new AgentClient(env, p, 1000).recordDpopProofs(uses);
  const proof = (jti: string) => ({ jkt: "thumb", jti, iat: Math.floor(Date.now() / 1000), nonce: undefined });
  const OPTIONS = { maxAgeSeconds: 60, nonceRequired: false };

  it("answers a replay in the same isolate without asking the Durable Object", async () => {
    const calls: string[] = [];
    const guard = new DpopReplayGuard({ shared: async (p, uses) => (calls.push(...uses.map((u) => u.id)), await doLedger(p, uses)) });
    const user = principal(`u-${crypto.randomUUID()}`);
    await guard.check(user, proof("a"), OPTIONS, Date.now() / 1000);
    await expect(guard.check(user, proof("a"), OPTIONS, Date.now() / 1000)).rejects.toMatchObject({ check: "replayed" });
    expect(calls).toEqual(["thumb a"]);
  });

  it("sends the first proof at once and those arriving while its call is in flight together in the next call, each with its own verdict", async () => {
    const batches: number[] = [];
    const guard = new DpopReplayGuard({ shared: async (p, uses) => (batches.push(uses.length), await doLedger(p, uses)) });
    const user = principal(`u-${crypto.randomUUID()}`);
    const now = Date.now() / 1000;
    const outcomes = await Promise.allSettled(["1", "2", "3", "4", "5"].map((jti) => guard.check(user, proof(jti), OPTIONS, now)));
    expect(outcomes.every((o) => o.status === "fulfilled")).toBe(true);
    expect(batches).toEqual([1, 4]);
    // The same ids from another isolate: all refused by the ledger, again in two calls.
    const other = new DpopReplayGuard({ shared: async (p, uses) => (batches.push(uses.length), await doLedger(p, uses)) });
    const again = await Promise.allSettled(["1", "2", "3"].map((jti) => other.check(user, proof(jti), OPTIONS, now)));
    expect(again.map((o) => (o.status === "rejected" ? (o.reason as { check?: string }).check : "accepted"))).toEqual(["replayed", "replayed", "replayed"]);
    expect(batches).toEqual([1, 4, 1, 2]);
  });

  it("sends a lone proof to the ledger before check() yields, with no timer tick in between", async () => {
    const calls: string[] = [];
    const guard = new DpopReplayGuard({ shared: async (p, uses) => (calls.push(...uses.map((u) => u.id)), await doLedger(p, uses)) });
    const user = principal(`u-${crypto.randomUUID()}`);
    const pending = guard.check(user, proof("alone"), OPTIONS, Date.now() / 1000);
    // Synchronously after the call: a guard that first waited for a timer (or any await) would show [] here.
    expect(calls).toEqual(["thumb alone"]);
    await pending;
    expect(calls).toEqual(["thumb alone"]);
  });

  it("gives up on a ledger call that never answers (its request vanished) and serves the next proofs with a new one", async () => {
    let calls = 0;
    const guard = new DpopReplayGuard({
      maxBatchWaitMs: 50,
      // The first call hangs for ever; later ones go to the real object.
      shared: async (p, uses) => (++calls === 1 ? await new Promise<never>(() => undefined) : await doLedger(p, uses)),
    });
    const user = principal(`u-${crypto.randomUUID()}`);
    const now = Date.now() / 1000;
    void guard.check(user, proof("stuck"), OPTIONS, now);
    const joined = guard.check(user, proof("joined"), OPTIONS, now);
    await expect(joined).rejects.toThrow("did not answer in time");
    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(guard.check(user, proof("later"), OPTIONS, Date.now() / 1000)).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });

  it("refuses in a second isolate what the first accepted, and accepts each new jti once", async () => {
    const user = principal(`u-${crypto.randomUUID()}`);
    const [isolateA, isolateB] = [new DpopReplayGuard({ shared: doLedger }), new DpopReplayGuard({ shared: doLedger })];
    await isolateA.check(user, proof("x"), OPTIONS, Date.now() / 1000);
    await expect(isolateB.check(user, proof("x"), OPTIONS, Date.now() / 1000)).rejects.toMatchObject({ check: "replayed" });
    await isolateB.check(user, proof("y"), OPTIONS, Date.now() / 1000);
    await expect(isolateA.check(user, proof("y"), OPTIONS, Date.now() / 1000)).rejects.toMatchObject({ check: "replayed" });
  });

  it("writes proof ids to SQLite within the flush interval: a restarted object (new ledger, same storage) still refuses them until they expire", async () => {
    const user = principal(`u-${crypto.randomUUID()}`);
    const stub = env.MCP_OBJECT.get(env.MCP_OBJECT.idFromName(principalKey(user)));
    const now = Math.floor(Date.now() / 1000);
    const use = { id: "k j", expiresAt: now + 60, notBefore: now, nonce: undefined, nonceRequired: false };
    expect(await stub.recordDpopProofs(principalKey(user), [use])).toEqual([{ outcome: "fresh" }]);
    // The flush that writes the id, then the quiet one that clears the unflushed marker (dpop-ledger.ts).
    await new Promise((resolve) => setTimeout(resolve, 2 * DPOP_FLUSH_INTERVAL_MS + 100));
    await runInDurableObject(stub, (_instance: AuthgentMCPAgent, state) => {
      const restarted = new DpopProofLedger(state.storage.sql);
      expect(restarted.record(use, now + 1)).toEqual({ outcome: "replayed" });
      // After its window the id may be used again (RFC 9449 §11.1 asks for uniqueness within it).
      expect(restarted.record({ ...use, expiresAt: now + 200 }, now + 61)).toEqual({ outcome: "fresh" });
    });
  });
});

describe("DPoP server nonce (DPOP_NONCE=true)", () => {
  it("answers a proof without a nonce with 401 use_dpop_nonce and DPoP-Nonce, then accepts the retry with it", async () => {
    const key = await dpopKey();
    const token = await bound(key);
    const vars = { DPOP_NONCE: "true" };
    const first = await sendWithEnv(dpopCall(token, await proofFor(key, token)), vars);
    expect(first.status).toBe(401);
    expect(first.headers.get("www-authenticate")).toContain('DPoP error="use_dpop_nonce"');
    const nonce = first.headers.get("dpop-nonce");
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await sendWithEnv(dpopCall(token, await proofFor(key, token, { nonce: "stale" })), vars)).status).toBe(401);
    const retry = await sendWithEnv(dpopCall(token, await proofFor(key, token, { nonce })), vars);
    expect(retry.status).toBe(200);
  });
});

describe("a DPoP-only server (REQUIRE_DPOP=true)", () => {
  const vars = { REQUIRE_DPOP: "true" };

  it("says so in its RFC 9728 metadata", async () => {
    const response = await sendWithEnv(new Request("https://mcp.test.example/.well-known/oauth-protected-resource"), vars);
    expect(await response.json()).toMatchObject({ dpop_signing_alg_values_supported: ["ES256"], dpop_bound_access_tokens_required: true });
  });

  it("refuses a plain Bearer token and offers only the DPoP challenge", async () => {
    const response = await sendWithEnv(mcpRequest(HELLO, { token: await mintToken(), headers: { "mcp-protocol-version": LATEST } }), vars);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token", error_description="[^"]+", scope="mcp:read mcp:write", algs="ES256", resource_metadata="/);
    const missing = await sendWithEnv(mcpRequest(HELLO), vars);
    expect(missing.headers.get("www-authenticate")).toMatch(/^DPoP scope="mcp:read mcp:write", algs="ES256", resource_metadata="/);
  });
});

describe("logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never contain the token or the proof of a refused DPoP request", async () => {
    const logged: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${String(a.cause)}` : String(a))).join(" ")));
    }
    const key = await dpopKey();
    const token = await bound(key);
    const proofs = [await proofFor(key, token, { htu: "https://evil.example/mcp" }), await proofFor(key, token, { ath: "x" }), "garbage.proof.here"];
    for (const proof of proofs) expect((await sendWithEnv(dpopCall(token, proof), {})).status).toBe(401);
    const asBearer = await sendWithEnv(mcpRequest(HELLO, { token, headers: { "mcp-protocol-version": LATEST } }), {});
    expect(asBearer.status).toBe(401);
    const secrets = [token, ...proofs, ...[token, ...proofs].map((t) => t.split(".")[1] ?? "")].filter((s) => s.length > 8);
    for (const line of logged) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
