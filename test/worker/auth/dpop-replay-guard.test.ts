/**
 * DpopReplayGuard (RFC 9449 §11.1): a jti accepted once is refused on every
 * isolate within its window. Two guards stand for two isolates; they share
 * one user's Durable Object ledger, as the worker's do. Also the batching
 * edge cases: a busy user's proofs share one call, a duplicate within one
 * batch, and a failing ledger, which must refuse, never accept.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AgentClient } from "../../../worker/agent/agent-client.ts";
import { DpopReplayGuard, type SharedProofLedger } from "../../../worker/auth/dpop/replay-guard.ts";
import type { Principal } from "../../../worker/auth/principal.ts";
import { dpopKey, dpopProof } from "./dpop-client.ts";
import { json, LATEST, MCP_URL, mcpRequest, mintToken, rpc, sendWithEnv } from "../mcp/support.ts";

const OPTIONS = { maxAgeSeconds: 60, clockToleranceSeconds: 5, nonceRequired: false };
const doLedger: SharedProofLedger = (p, uses) => new AgentClient(env, p, 1000).recordDpopProofs(uses);
const now = () => Date.now() / 1000;

function user(): Principal {
  return { issuer: "https://issuer.test", subject: `u-${crypto.randomUUID()}`, clientId: "c", scope: "", scopes: new Set(), expiresAt: 0, email: undefined, name: undefined };
}

const proof = (jti: string) => ({ jkt: "thumb", jti, iat: Math.floor(Date.now() / 1000), nonce: undefined });
const outcome = (settled: PromiseSettledResult<void>): string =>
  settled.status === "fulfilled" ? "accepted" : ((settled.reason as { check?: string; code?: string }).check ?? (settled.reason as { code?: string }).code ?? "error");

describe("DpopReplayGuard across isolates", () => {
  it("accepts a proof sent to two isolates at the same moment exactly once", async () => {
    const principal = user();
    const [a, b] = [new DpopReplayGuard({ shared: doLedger }), new DpopReplayGuard({ shared: doLedger })];
    for (const jti of ["p1", "p2", "p3"]) {
      const settled = await Promise.allSettled([a.check(principal, proof(jti), OPTIONS, now()), b.check(principal, proof(jti), OPTIONS, now())]);
      expect(settled.map(outcome).sort()).toEqual(["accepted", "replayed"]);
    }
  });

  it("refuses on the other isolate every proof of a busy user's coalesced batch", async () => {
    const principal = user();
    const calls: number[] = [];
    const a = new DpopReplayGuard({ shared: async (p, uses) => (calls.push(uses.length), await doLedger(p, uses)) });
    const b = new DpopReplayGuard({ shared: doLedger });
    const jtis = ["c1", "c2", "c3", "c4", "c5", "c6"];
    expect((await Promise.allSettled(jtis.map((jti) => a.check(principal, proof(jti), OPTIONS, now())))).map(outcome)).toEqual(jtis.map(() => "accepted"));
    expect((await Promise.allSettled(jtis.map((jti) => b.check(principal, proof(jti), OPTIONS, now())))).map(outcome)).toEqual(jtis.map(() => "replayed"));
    expect(calls.reduce((sum, n) => sum + n, 0)).toBe(jtis.length);
  });
});

describe("DpopReplayGuard batching", () => {
  it("holds a busy user's next call for one timer tick, so proofs already received go in it together", async () => {
    const principal = user();
    const calls: number[] = [];
    const guard = new DpopReplayGuard({ shared: async (p, uses) => (calls.push(uses.length), await doLedger(p, uses)) });
    // Three at once: the first goes alone, the other two share the next call, so the user is busy.
    await Promise.all(["a1", "a2", "a3"].map((jti) => guard.check(principal, proof(jti), OPTIONS, now())));
    // Within the busy window: the five share one call instead of going as 1 + 4.
    await Promise.all(["b1", "b2", "b3", "b4", "b5"].map((jti) => guard.check(principal, proof(jti), OPTIONS, now())));
    expect(calls).toEqual([1, 2, 5]);
  });

  it("never holds a client that sends one request at a time", async () => {
    const principal = user();
    const calls: number[] = [];
    const guard = new DpopReplayGuard({
      shared: (p, uses) => {
        calls.push(uses.length);
        return doLedger(p, uses);
      },
    });
    for (const jti of ["s1", "s2", "s3"]) {
      const pending = guard.check(principal, proof(jti), OPTIONS, now());
      // The call is made before check() yields: no timer tick in between, however recent the previous call.
      expect(calls.length).toBe(["s1", "s2", "s3"].indexOf(jti) + 1);
      await pending;
    }
    expect(calls).toEqual([1, 1, 1]);
  });

  it("sends at once when the busy window is off", async () => {
    const principal = user();
    const calls: number[] = [];
    const guard = new DpopReplayGuard({ busyWindowMs: 0, shared: async (p, uses) => (calls.push(uses.length), await doLedger(p, uses)) });
    await Promise.all(["a1", "a2", "a3"].map((jti) => guard.check(principal, proof(jti), OPTIONS, now())));
    await Promise.all(["b1", "b2", "b3"].map((jti) => guard.check(principal, proof(jti), OPTIONS, now())));
    expect(calls).toEqual([1, 2, 1, 2]);
  });

  it("refuses the second copy of one proof arriving with the first, wherever the batch stands", async () => {
    const principal = user();
    const guard = new DpopReplayGuard({ shared: doLedger });
    await guard.check(principal, proof("warm"), OPTIONS, now());
    const settled = await Promise.allSettled([
      guard.check(principal, proof("dup"), OPTIONS, now()),
      guard.check(principal, proof("other"), OPTIONS, now()),
      guard.check(principal, proof("dup"), OPTIONS, now()),
    ]);
    expect(settled.map(outcome)).toEqual(["accepted", "accepted", "replayed"]);
  });

  it("refuses every proof of a batch whose ledger call fails, and accepts none of them later", async () => {
    const principal = user();
    let fail = true;
    const guard = new DpopReplayGuard({
      shared: async (p, uses) => {
        if (fail) throw new Error("object reset");
        return await doLedger(p, uses);
      },
    });
    const jtis = ["f1", "f2", "f3", "f4"];
    const settled = await Promise.allSettled(jtis.map((jti) => guard.check(principal, proof(jti), OPTIONS, now())));
    expect(settled.map(outcome)).toEqual(jtis.map(() => "ERR_DPOP_LEDGER_UNAVAILABLE"));
    // The ledger may have recorded them before failing: the same proofs stay refused; new ones pass.
    fail = false;
    await expect(guard.check(principal, proof("f1"), OPTIONS, now())).rejects.toMatchObject({ check: "replayed" });
    await expect(guard.check(principal, proof("f5"), OPTIONS, now())).resolves.toBeUndefined();
  });

  it("refuses a batch the ledger answers short", async () => {
    const principal = user();
    const guard = new DpopReplayGuard({ shared: async () => [] });
    await expect(guard.check(principal, proof("short"), OPTIONS, now())).rejects.toMatchObject({ code: "ERR_DPOP_LEDGER_UNAVAILABLE" });
  });
});

describe("a failing replay ledger over HTTP", () => {
  it("answers 503 with Retry-After, never the tool's result", async () => {
    const key = await dpopKey();
    const token = await mintToken({ sub: `user-${crypto.randomUUID()}`, claims: { cnf: { jkt: key.jkt } } });
    const failing = {
      idFromName: (name: string) => env.MCP_OBJECT.idFromName(name),
      get: () => ({
        recordDpopProofs: async () => {
          throw new Error("Durable Object reset");
        },
      }),
    };
    const response = await sendWithEnv(
      mcpRequest(rpc("tools/call", { name: "hello", arguments: { name: "dpop" } }), {
        headers: { authorization: `DPoP ${token}`, dpop: await dpopProof(key, { method: "POST", url: MCP_URL, token }), "mcp-protocol-version": LATEST },
      }),
      { MCP_OBJECT: failing },
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(JSON.stringify(await json(response))).not.toContain("Hello");
  });
});
