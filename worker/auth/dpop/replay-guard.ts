import { DpopNonceRequiredError, InvalidDpopProofError } from "../errors.ts";
import type { Principal } from "../principal.ts";
import type { VerifiedDpopProof } from "./verify-proof.ts";

/** Most proof ids one isolate remembers. @default 8192 */
export const DEFAULT_LOCAL_PROOF_ENTRIES = 8192;

/** One proof, as the shared ledger records it. */
export interface ProofUse {
  /** `<jkt> <jti>`: jti values are chosen by clients, so they are kept per key. */
  readonly id: string;
  /** Seconds since the epoch after which the proof's iat is out of the window anyway. */
  readonly expiresAt: number;
  /** The proof's `nonce`; compared only when `nonceRequired`. */
  readonly nonce: string | undefined;
  /** RFC 9449 §9: the proof must carry the current server nonce. */
  readonly nonceRequired: boolean;
}

export type ProofVerdict =
  | { readonly outcome: "fresh" }
  | { readonly outcome: "replayed" }
  /** The nonce is missing or stale; `nonce` is the current one. */
  | { readonly outcome: "nonce"; readonly nonce: string };

/**
 * Records a proof where every isolate sees it and says whether it was seen
 * before: the user's Durable Object (one instance world-wide per user, RPC
 * calls serialised by its input gate). `principal` picks the object.
 */
export type SharedProofLedger = (principal: Principal, use: ProofUse) => Promise<ProofVerdict>;

export interface ReplayGuardOptions {
  /** The cross-isolate ledger; null keeps replay detection per isolate only (tests, bench comparison). */
  readonly shared: SharedProofLedger | null;
  /** @default DEFAULT_LOCAL_PROOF_ENTRIES */
  readonly maxLocalEntries?: number;
}

export interface ReplayCheckOptions {
  /** Proof window, seconds (`WorkerConfig.dpopProofMaxAgeSeconds`). */
  readonly maxAgeSeconds: number;
  readonly nonceRequired: boolean;
}

/**
 * RFC 9449 §11.1: a proof's `jti` is accepted once within the window in which
 * its `iat` is acceptable — across isolates, not only per isolate.
 *
 * Two layers. The isolate-local map answers a replay this isolate has seen
 * without any I/O, and also catches two concurrent copies of one proof here
 * (the id is recorded before the first await). Every proof not seen locally
 * is then recorded in the shared ledger, which alone can see a copy sent to
 * another isolate or location; its answer decides.
 */
export class DpopReplayGuard {
  private readonly local = new Map<string, number>();
  private readonly shared: SharedProofLedger | null;
  private readonly maxLocalEntries: number;

  constructor(options: ReplayGuardOptions) {
    this.shared = options.shared;
    this.maxLocalEntries = options.maxLocalEntries ?? DEFAULT_LOCAL_PROOF_ENTRIES;
  }

  /**
   * Accepts `proof` once; throws `InvalidDpopProofError` (`replayed`) for a
   * second use and `DpopNonceRequiredError` when the ledger wants a nonce.
   */
  async check(principal: Principal, proof: VerifiedDpopProof, options: ReplayCheckOptions, nowSeconds: number): Promise<void> {
    const id = `${proof.jkt} ${proof.jti}`;
    const expiresAt = proof.iat + options.maxAgeSeconds;
    const seenUntil = this.local.get(id);
    if (seenUntil !== undefined && seenUntil >= nowSeconds) throw new InvalidDpopProofError("replayed", "proof jti was already used (this isolate)");
    this.remember(id, expiresAt);
    if (!this.shared) return;
    const verdict = await this.shared(principal, { id, expiresAt, nonce: proof.nonce, nonceRequired: options.nonceRequired });
    if (verdict.outcome === "replayed") throw new InvalidDpopProofError("replayed", "proof jti was already used (another isolate)");
    if (verdict.outcome === "nonce") {
      // Not recorded by the ledger: forget it here too, so nothing differs between isolates.
      this.local.delete(id);
      throw new DpopNonceRequiredError(verdict.nonce);
    }
  }

  private remember(id: string, expiresAt: number): void {
    this.local.delete(id);
    this.local.set(id, expiresAt);
    // Insertion order ≈ expiry order (the window is fixed): evict the oldest first.
    while (this.local.size > this.maxLocalEntries) {
      const oldest = this.local.keys().next();
      if (oldest.done) break;
      this.local.delete(oldest.value);
    }
  }
}
