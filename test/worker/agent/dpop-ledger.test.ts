/**
 * The DPoP replay ledger inside a user's Durable Object (RFC 9449 §11.1):
 * answers from memory, one SQLite row per flush interval, and what a
 * restarted object refuses — including after an end that lost the last
 * interval's ids.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AuthgentMCPAgent } from "../../../worker/agent/authgent-mcp-agent.ts";
import { DPOP_FLUSH_INTERVAL_MS, DpopProofLedger } from "../../../worker/agent/dpop-ledger.ts";
import type { ProofUse } from "../../../worker/auth/dpop/replay-guard.ts";

const NOW = Math.floor(Date.now() / 1000);

function use(id: string, overrides: Partial<ProofUse> = {}): ProofUse {
  return { id, expiresAt: NOW + 60, notBefore: NOW - 5, nonce: undefined, nonceRequired: false, ...overrides };
}

/** Runs `body` with the SQLite storage of a fresh user's object. */
async function withStorage<T>(body: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.MCP_OBJECT.get(env.MCP_OBJECT.idFromName(`ledger-${crypto.randomUUID()}`));
  return await runInDurableObject(stub, (_instance: AuthgentMCPAgent, state) => body(state.storage.sql));
}

const rows = (sql: SqlStorage, query: string): number => sql.exec<{ n: number }>(query).one().n;

describe("DpopProofLedger", () => {
  it("answers each proof of one call in order: the same id twice in one batch is fresh, then replayed", async () => {
    const owner = `ledger-owner-${crypto.randomUUID()}`;
    const stub = env.MCP_OBJECT.get(env.MCP_OBJECT.idFromName(owner));
    expect(await stub.recordDpopProofs(owner, [use("k a"), use("k b"), use("k a")])).toEqual([
      { outcome: "fresh" },
      { outcome: "fresh" },
      { outcome: "replayed" },
    ]);
  });

  it("writes the ids of one flush interval as one row and needs no SQL read per proof", async () => {
    await withStorage((sql) => {
      const ledger = new DpopProofLedger(sql);
      for (const id of ["k 1", "k 2", "k 3"]) expect(ledger.record(use(id), NOW)).toEqual({ outcome: "fresh" });
      // Before the flush: in memory, with the marker that says so on disk.
      expect(rows(sql, "SELECT count(*) AS n FROM dpop_proof_batches")).toBe(0);
      expect(rows(sql, "SELECT count(*) AS n FROM meta WHERE key = 'dpop_unflushed'")).toBe(1);
      ledger.flush(NOW);
      expect(rows(sql, "SELECT count(*) AS n FROM dpop_proof_batches")).toBe(1);
      // Proofs were coming: the marker stays for the next interval, and the next flush that finds nothing new removes it.
      expect(rows(sql, "SELECT count(*) AS n FROM meta WHERE key = 'dpop_unflushed'")).toBe(1);
      ledger.flush(NOW);
      expect(rows(sql, "SELECT count(*) AS n FROM meta WHERE key = 'dpop_unflushed'")).toBe(0);
      expect(rows(sql, "SELECT count(*) AS n FROM dpop_proof_batches")).toBe(1);
      expect(ledger.record(use("k 2"), NOW + 1)).toEqual({ outcome: "replayed" });
    });
  });

  it("flushes on its own within the interval, and clears the marker one quiet interval later", async () => {
    const owner = `ledger-owner-${crypto.randomUUID()}`;
    const stub = env.MCP_OBJECT.get(env.MCP_OBJECT.idFromName(owner));
    expect(await stub.recordDpopProofs(owner, [use("k timer")])).toEqual([{ outcome: "fresh" }]);
    await new Promise((resolve) => setTimeout(resolve, 2 * DPOP_FLUSH_INTERVAL_MS + 100));
    await runInDurableObject(stub, (_instance: AuthgentMCPAgent, state) => {
      expect(rows(state.storage.sql, "SELECT count(*) AS n FROM dpop_proof_batches")).toBe(1);
      expect(rows(state.storage.sql, "SELECT count(*) AS n FROM meta WHERE key = 'dpop_unflushed'")).toBe(0);
    });
  });

  it("after a clean end (flushed), a new instance refuses the stored ids until they expire and accepts new proofs", async () => {
    await withStorage((sql) => {
      const first = new DpopProofLedger(sql);
      first.record(use("k x"), NOW);
      // The flush that writes the id, then the quiet one that clears the marker (an object idles before eviction).
      first.flush(NOW);
      first.flush(NOW);
      const restarted = new DpopProofLedger(sql);
      expect(restarted.record(use("k x"), NOW + 1)).toEqual({ outcome: "replayed" });
      // A proof signed before the restart that the first instance never saw: nothing was lost, so it is fresh.
      expect(restarted.record(use("k y", { notBefore: NOW - 30 }), NOW + 1)).toEqual({ outcome: "fresh" });
      // After its window the id may be used again (RFC 9449 §11.1 asks for uniqueness within it).
      expect(restarted.record(use("k x", { expiresAt: NOW + 200 }), NOW + 61)).toEqual({ outcome: "fresh" });
    });
  });

  it("after an end that lost unflushed ids, refuses every older proof it cannot account for until it carries the new instance's nonce", async () => {
    await withStorage((sql) => {
      const first = new DpopProofLedger(sql);
      expect(first.record(use("k lost"), NOW)).toEqual({ outcome: "fresh" });
      // No flush: the instance ends abruptly, its memory is gone, the marker stays.
      const restarted = new DpopProofLedger(sql);
      const replay = restarted.record(use("k lost"), NOW + 1);
      expect(replay.outcome).toBe("nonce");
      // Any proof that could have been accepted before the restart gets the same answer, however it is dressed.
      expect(restarted.record(use("k other", { notBefore: NOW + 1 - 3 }), NOW + 1).outcome).toBe("nonce");
      expect(restarted.record(use("k lost", { nonce: "made-up" }), NOW + 1).outcome).toBe("nonce");
      // The client's retry: a new proof with the nonce this instance issued (RFC 9449 §9) — newer than the restart.
      const nonce = replay.outcome === "nonce" ? replay.nonce : "";
      expect(restarted.record(use("k retry", { nonce }), NOW + 2)).toEqual({ outcome: "fresh" });
      expect(restarted.record(use("k retry", { nonce }), NOW + 2)).toEqual({ outcome: "replayed" });
      // Proofs no isolate could have accepted before the restart (with a margin for clock skew) need nothing.
      expect(restarted.record(use("k skew", { notBefore: NOW + 2 }), NOW + 2).outcome).toBe("nonce");
      expect(restarted.record(use("k new", { notBefore: NOW + 7 }), NOW + 7)).toEqual({ outcome: "fresh" });
      restarted.flush(NOW + 2);
      restarted.flush(NOW + 2);
      // The horizon is stored: a third instance, after a clean end, still asks for a nonce for the lost window.
      const third = new DpopProofLedger(sql);
      expect(third.record(use("k lost"), NOW + 3).outcome).toBe("nonce");
      expect(third.record(use("k retry", { nonce }), NOW + 3)).toEqual({ outcome: "replayed" });
    });
  });

  it("still demands the server nonce when nonces are required, before looking at the id", async () => {
    await withStorage((sql) => {
      const ledger = new DpopProofLedger(sql);
      const demand = ledger.record(use("k n", { nonceRequired: true }), NOW);
      expect(demand.outcome).toBe("nonce");
      const nonce = demand.outcome === "nonce" ? demand.nonce : "";
      expect(ledger.record(use("k n", { nonceRequired: true, nonce }), NOW)).toEqual({ outcome: "fresh" });
      expect(ledger.record(use("k n", { nonceRequired: true, nonce }), NOW)).toEqual({ outcome: "replayed" });
    });
  });

  it("splits a large interval into rows of at most 1,000 ids, all read back", async () => {
    await withStorage((sql) => {
      const ledger = new DpopProofLedger(sql);
      for (let i = 0; i < 2500; i++) ledger.record(use(`k many-${i}`), NOW);
      ledger.flush(NOW);
      ledger.flush(NOW);
      expect(rows(sql, "SELECT count(*) AS n FROM dpop_proof_batches")).toBe(3);
      const restarted = new DpopProofLedger(sql);
      expect([0, 999, 1000, 2499].map((i) => restarted.record(use(`k many-${i}`), NOW).outcome)).toEqual(["replayed", "replayed", "replayed", "replayed"]);
    });
  });

  it("reads ids stored one row each by earlier versions", async () => {
    await withStorage((sql) => {
      sql.exec("INSERT INTO dpop_proofs (id, expires_at) VALUES (?, ?)", "k legacy", NOW + 60);
      expect(new DpopProofLedger(sql).record(use("k legacy"), NOW)).toEqual({ outcome: "replayed" });
    });
  });
});
