import type { ProofUse, ProofVerdict } from "../auth/dpop/replay-guard.ts";

/** How long one server nonce is handed out, seconds; the previous one stays valid as long again. */
export const DPOP_NONCE_PERIOD_SECONDS = 300;
/**
 * Longest a newly accepted proof id waits in memory before it is written to
 * SQLite, ms. Ids accepted in one interval are written as one row, so the
 * hot path makes no storage write per proof.
 */
export const DPOP_FLUSH_INTERVAL_MS = 250;

/**
 * Most ids in one stored row. An id is at most 256 (jti) + 43 (jkt) + a few
 * characters, so a row stays far below a Durable Object's 2 MB row limit.
 */
const IDS_PER_ROW = 1000;
/**
 * Seconds added to a restart horizon: the worker that accepted a proof and
 * this object read different clocks, so "before the restart" is widened by
 * more than any skew between them. Costs only extra nonce round trips right
 * after an abrupt restart.
 */
const RESTART_HORIZON_MARGIN_SECONDS = 5;

/** `meta` row present while accepted ids are in memory only (written before the first such answer leaves). */
const UNFLUSHED_KEY = "dpop_unflushed";
/** `meta` row: the restart horizon, seconds, after an instance ended with `UNFLUSHED_KEY` set. */
const HORIZON_KEY = "dpop_restart_horizon";

/**
 * One user's DPoP proof ledger inside their Durable Object: the shared half
 * of `DpopReplayGuard`. The object serialises calls, so "check, then record"
 * is atomic: two isolates sending the same proof cannot both get "fresh".
 *
 * Memory is authoritative while the instance lives: on first use it loads
 * every unexpired id from SQLite, then answers from a map (no SQL per proof).
 * Accepted ids reach SQLite within `DPOP_FLUSH_INTERVAL_MS`, one row per
 * interval (per `IDS_PER_ROW` ids), so an instance evicted after idling (the
 * usual end of a Durable Object) or restarted later still refuses every
 * proof accepted in the window.
 *
 * What an abrupt end (deploy, crash, reset) could lose is the last interval.
 * So before the first "fresh" answer after an idle interval leaves the
 * object, an `UNFLUSHED_KEY` marker is written (the output gate holds that
 * answer until it is durable). It stays while proofs keep coming (a busy
 * user pays no commit for it but the flush's) and the first flush that finds
 * nothing new removes it. An instance that finds the marker
 * cannot tell which proofs its predecessor accepted last, so it sets a restart
 * horizon (its own start, plus a margin for clock skew): a proof not in
 * storage that some isolate could have accepted before then (`notBefore` <
 * horizon) is answered with a nonce demand instead of "fresh". The client's retry carries a nonce this instance issued,
 * which proves the proof is newer than the restart (RFC 9449 §9), and is
 * recorded as usual. Replays are therefore refused across restarts too, at the
 * price of one `use_dpop_nonce` round trip for proofs in flight at a crash.
 *
 * Nonces (RFC 9449 §9) live in memory: after a restart clients get one more
 * `use_dpop_nonce` answer and retry, which the RFC's flow expects.
 */
export class DpopProofLedger {
  readonly #sql: SqlStorage;
  /** Every unexpired id this object accepted (once loaded), and its expiry, seconds; oldest first. */
  readonly #seen = new Map<string, number>();
  #loaded = false;
  /** Proofs that could have been accepted before this second need this instance's nonce (see class doc). */
  #horizon: number | undefined;
  /** Whether the `UNFLUSHED_KEY` marker is written. */
  #marked = false;
  #unwritten: [id: string, expiresAt: number][] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #nonces: { readonly current: string; readonly previous: string | undefined; readonly issuedAt: number } | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** Records `use` at `nowSeconds`, unless it was recorded before or lacks a nonce it needs. */
  record(use: ProofUse, nowSeconds: number): ProofVerdict {
    this.#load(nowSeconds);
    if (use.nonceRequired && !this.#isCurrentNonce(use.nonce, nowSeconds)) return this.#nonceDemand(nowSeconds);
    // A recorded id whose window has passed may be reused (RFC 9449 §11.1 only asks for uniqueness within it).
    const seenUntil = this.#seen.get(use.id);
    if (seenUntil !== undefined && seenUntil >= nowSeconds) return { outcome: "replayed" };
    if (this.#horizon !== undefined && use.notBefore < this.#horizon && !this.#isCurrentNonce(use.nonce, nowSeconds)) {
      return this.#nonceDemand(nowSeconds);
    }
    this.#seen.delete(use.id);
    this.#seen.set(use.id, use.expiresAt);
    this.#unwritten.push([use.id, use.expiresAt]);
    if (!this.#marked) {
      // Synchronous write: the output gate holds this answer until the marker is durable.
      this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", UNFLUSHED_KEY, String(nowSeconds));
      this.#marked = true;
    }
    this.#scheduleFlush();
    return { outcome: "fresh" };
  }

  #scheduleFlush(): void {
    this.#flushTimer ??= setTimeout(() => this.flush(Date.now() / 1000), DPOP_FLUSH_INTERVAL_MS);
  }

  /**
   * Writes the ids accepted since the last flush (one row per `IDS_PER_ROW`)
   * and forgets expired ids. With nothing new it removes the marker; else the
   * marker stays for the next interval and another flush is due.
   */
  flush(nowSeconds: number): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const active = this.#unwritten.length > 0;
    for (let start = 0; start < this.#unwritten.length; start += IDS_PER_ROW) {
      const row = this.#unwritten.slice(start, start + IDS_PER_ROW);
      let expiresAt = 0;
      for (const [, until] of row) expiresAt = Math.max(expiresAt, until);
      this.#sql.exec("INSERT INTO dpop_proof_batches (expires_at, ids) VALUES (?, ?)", expiresAt, JSON.stringify(row));
    }
    this.#unwritten = [];
    if (active) {
      // A busy user: keep the marker (no commit of its own for the next interval's first answer) until a quiet flush.
      this.#scheduleFlush();
    } else if (this.#marked) {
      this.#sql.exec("DELETE FROM meta WHERE key = ?", UNFLUSHED_KEY);
      this.#marked = false;
    }
    this.#sql.exec("DELETE FROM dpop_proof_batches WHERE expires_at < ?", nowSeconds);
    this.#sql.exec("DELETE FROM dpop_proofs WHERE expires_at < ?", nowSeconds);
    // Insertion order is close to expiry order (one window per server): drop from the front until an unexpired id.
    for (const [id, until] of this.#seen) {
      if (until >= nowSeconds) break;
      this.#seen.delete(id);
    }
  }

  /** Loads the stored ids once, and sets the restart horizon if the previous instance ended unflushed. */
  #load(nowSeconds: number): void {
    if (this.#loaded) return;
    this.#loaded = true;
    for (const row of this.#sql.exec<{ ids: string }>("SELECT ids FROM dpop_proof_batches WHERE expires_at >= ? ORDER BY rowid", nowSeconds)) {
      for (const [id, until] of JSON.parse(row.ids) as [string, number][]) if (until >= nowSeconds) this.#seen.set(id, until);
    }
    // Ids written one row each before batches existed.
    for (const row of this.#sql.exec<{ id: string; expires_at: number }>("SELECT id, expires_at FROM dpop_proofs WHERE expires_at >= ?", nowSeconds)) {
      this.#seen.set(row.id, row.expires_at);
    }
    const meta = new Map(
      this.#sql
        .exec<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN (?, ?)", UNFLUSHED_KEY, HORIZON_KEY)
        .toArray()
        .map((row) => [row.key, Number(row.value)]),
    );
    if (meta.has(UNFLUSHED_KEY)) {
      // This instance started after its predecessor's last answer: every proof that predecessor accepted has notBefore < now.
      this.#horizon = nowSeconds + RESTART_HORIZON_MARGIN_SECONDS;
      this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", HORIZON_KEY, String(this.#horizon));
      this.#sql.exec("DELETE FROM meta WHERE key = ?", UNFLUSHED_KEY);
    } else {
      this.#horizon = meta.get(HORIZON_KEY);
    }
  }

  #nonceDemand(nowSeconds: number): ProofVerdict {
    return { outcome: "nonce", nonce: this.#currentNonces(nowSeconds).current };
  }

  #isCurrentNonce(nonce: string | undefined, nowSeconds: number): boolean {
    if (nonce === undefined) return false;
    const nonces = this.#currentNonces(nowSeconds);
    return nonce === nonces.current || nonce === nonces.previous;
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
