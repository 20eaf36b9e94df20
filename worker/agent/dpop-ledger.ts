import type { ProofUse, ProofVerdict } from "../auth/dpop/replay-guard.ts";

/** How long one server nonce is handed out, seconds; the previous one stays valid as long again. */
export const DPOP_NONCE_PERIOD_SECONDS = 300;
/**
 * Longest a newly accepted proof id waits in memory before it is written to
 * SQLite, ms. Every write costs a storage commit that holds the object's
 * answers (output gate), so ids are written in batches, once per interval.
 */
export const DPOP_FLUSH_INTERVAL_MS = 250;

/**
 * One user's DPoP proof ledger inside their Durable Object: the shared half
 * of `DpopReplayGuard`. The object serialises calls, so "check, then record"
 * is atomic: two isolates sending the same proof cannot both get "fresh".
 *
 * Accepted ids are answered from memory at once and written to SQLite within
 * `DPOP_FLUSH_INTERVAL_MS` (one commit per batch instead of one per proof;
 * docs/local-development.md "DPoP rows" has the measured difference). An object restarted by
 * eviction or a deploy reads them back from SQLite, so it still refuses a
 * proof accepted inside the window; only ids accepted in the last interval
 * before an abrupt restart can be lost. Nonces (RFC 9449 §9) live in memory:
 * after a restart clients get one more `use_dpop_nonce` answer and retry,
 * which the RFC's flow expects.
 */
export class DpopProofLedger {
  readonly #sql: SqlStorage;
  /** Ids accepted by this instance and their expiry, seconds; pruned at each flush. */
  readonly #recent = new Map<string, number>();
  #unwritten: ProofUse[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #nonces: { readonly current: string; readonly previous: string | undefined; readonly issuedAt: number } | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** Records `use` at `nowSeconds`, unless it was recorded before or lacks the current nonce. */
  record(use: ProofUse, nowSeconds: number): ProofVerdict {
    if (use.nonceRequired) {
      const nonces = this.#currentNonces(nowSeconds);
      if (use.nonce === undefined || (use.nonce !== nonces.current && use.nonce !== nonces.previous)) {
        return { outcome: "nonce", nonce: nonces.current };
      }
    }
    // A recorded id whose window has passed may be reused (RFC 9449 §11.1 only asks for uniqueness within it).
    const seenUntil = this.#recent.get(use.id) ?? this.#stored(use.id);
    if (seenUntil !== undefined && seenUntil >= nowSeconds) return { outcome: "replayed" };
    this.#recent.set(use.id, use.expiresAt);
    this.#unwritten.push(use);
    this.#flushTimer ??= setTimeout(() => this.flush(Date.now() / 1000), DPOP_FLUSH_INTERVAL_MS);
    return { outcome: "fresh" };
  }

  /** Writes the ids accepted since the last flush and forgets expired ones (storage and memory). */
  flush(nowSeconds: number): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const use of this.#unwritten) {
      this.#sql.exec(
        "INSERT INTO dpop_proofs (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at",
        use.id,
        use.expiresAt,
      );
    }
    this.#unwritten = [];
    this.#sql.exec("DELETE FROM dpop_proofs WHERE expires_at < ?", nowSeconds);
    for (const [id, expiresAt] of this.#recent) if (expiresAt < nowSeconds) this.#recent.delete(id);
  }

  #stored(id: string): number | undefined {
    return this.#sql.exec<{ expires_at: number }>("SELECT expires_at FROM dpop_proofs WHERE id = ?", id).toArray()[0]?.expires_at;
  }

  #currentNonces(nowSeconds: number): { readonly current: string; readonly previous: string | undefined } {
    if (!this.#nonces || nowSeconds >= this.#nonces.issuedAt + DPOP_NONCE_PERIOD_SECONDS) {
      // RFC 9449 §9: unpredictable, so a proof cannot be made before the nonce was issued.
      this.#nonces = { current: randomNonce(), previous: this.#nonces?.current, issuedAt: nowSeconds };
    }
    return this.#nonces;
  }
}

/** 128 random bits, base64url (RFC 9449 §8.1 `nonce` is NQCHAR; base64url fits). */
function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}
