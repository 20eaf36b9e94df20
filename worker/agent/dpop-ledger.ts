import type { ProofUse, ProofVerdict } from "../auth/dpop/replay-guard.ts";

/** How long one server nonce is handed out, seconds; the previous one stays valid as long again. */
export const DPOP_NONCE_PERIOD_SECONDS = 300;
/** Expired proof ids are deleted at most this often, seconds. */
const PURGE_INTERVAL_SECONDS = 30;

/**
 * One user's DPoP proof ledger inside their Durable Object: the shared half
 * of `DpopReplayGuard`. The object is the only writer of its SQLite database
 * and serialises calls, so "insert unless present" is atomic without a
 * transaction: two isolates sending the same proof cannot both get "fresh".
 *
 * Proof ids live in SQLite, not memory, so an object restarted by a deploy
 * or eviction still refuses a proof it accepted inside the window. Nonces
 * (RFC 9449 §9) live in memory only: after a restart clients get one more
 * `use_dpop_nonce` answer and retry, which the RFC's flow expects.
 */
export class DpopProofLedger {
  readonly #sql: SqlStorage;
  #purgeAfter = 0;
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
    if (nowSeconds >= this.#purgeAfter) {
      this.#sql.exec("DELETE FROM dpop_proofs WHERE expires_at < ?", nowSeconds);
      this.#purgeAfter = nowSeconds + PURGE_INTERVAL_SECONDS;
    }
    // A row whose window has passed may be reused (RFC 9449 §11.1 only asks for uniqueness within it).
    const { rowsWritten } = this.#sql.exec(
      "INSERT INTO dpop_proofs (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE dpop_proofs.expires_at < ?",
      use.id,
      use.expiresAt,
      nowSeconds,
    );
    return rowsWritten > 0 ? { outcome: "fresh" } : { outcome: "replayed" };
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
