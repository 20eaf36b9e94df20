import { DpopLedgerUnavailableError, DpopNonceRequiredError, InvalidDpopProofError } from "../errors.ts";
import { principalKey, type Principal } from "../principal.ts";
import type { VerifiedDpopProof } from "./verify-proof.ts";

/** Most proof ids one isolate remembers. @default 8192 */
export const DEFAULT_LOCAL_PROOF_ENTRIES = 8192;
/** Most proofs one ledger call carries. @default 64 */
export const DEFAULT_MAX_BATCH = 64;
/** Longest a request waits for a ledger call another request sends, ms (a call normally takes milliseconds). @default 10000 */
export const DEFAULT_MAX_BATCH_WAIT_MS = 10_000;
/**
 * A user whose previous ledger call carried several proofs (or had more
 * queued behind it) and ended less than this long ago is busy: their next
 * call waits one timer tick so the proofs this isolate already received join
 * it, ms. @default 10
 */
export const DEFAULT_BUSY_WINDOW_MS = 10;
/** Most users whose last ledger call time one isolate remembers (for `busyWindowMs`). @default 1024 */
const RECENT_USERS = 1024;

/** One proof, as the shared ledger records it. */
export interface ProofUse {
  /** `<jkt> <jti>`: jti values are chosen by clients, so they are kept per key. */
  readonly id: string;
  /** Seconds since the epoch after which the proof's iat is out of the window anyway. */
  readonly expiresAt: number;
  /**
   * Seconds since the epoch before which no isolate could accept the proof
   * (iat minus the clock tolerance). A ledger restarted without its latest
   * ids compares it with its restart time (`dpop-ledger.ts`).
   */
  readonly notBefore: number;
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
 * Records proofs of one user where every isolate sees them and says, for
 * each in order, whether it was seen before: the user's Durable Object (one
 * instance world-wide per user, calls serialised by its input gate).
 * `principal` picks the object; the answer has one verdict per use.
 */
export type SharedProofLedger = (principal: Principal, uses: readonly ProofUse[]) => Promise<readonly ProofVerdict[]>;

export interface ReplayGuardOptions {
  /** The cross-isolate ledger; null keeps replay detection per isolate only (tests, bench comparison). */
  readonly shared: SharedProofLedger | null;
  /** @default DEFAULT_LOCAL_PROOF_ENTRIES */
  readonly maxLocalEntries?: number;
  /** @default DEFAULT_MAX_BATCH */
  readonly maxBatch?: number;
  /** Longest a request waits for a ledger call another request sends, ms. @default DEFAULT_MAX_BATCH_WAIT_MS */
  readonly maxBatchWaitMs?: number;
  /** @default DEFAULT_BUSY_WINDOW_MS; 0 sends every idle-path proof at once */
  readonly busyWindowMs?: number;
}

export interface ReplayCheckOptions {
  /** Proof window, seconds (`WorkerConfig.dpopProofMaxAgeSeconds`). */
  readonly maxAgeSeconds: number;
  /** Seconds a proof's iat may lie in the future (`WorkerConfig.clockToleranceSeconds`). @default 0 */
  readonly clockToleranceSeconds?: number;
  readonly nonceRequired: boolean;
  /**
   * `ExecutionContext.waitUntil` of the calling request: a ledger call this
   * request sends for others finishes (and starts the next batch) even if
   * its own client goes away. @default undefined
   */
  readonly waitUntil?: (promise: Promise<unknown>) => void;
}

interface Waiter {
  readonly use: ProofUse;
  readonly resolve: (verdict: ProofVerdict) => void;
  readonly reject: (error: unknown) => void;
}

/** Proofs of one user that go to the ledger in one call; the first request sends it. */
interface Batch {
  readonly waiters: Waiter[];
  /** Wakes the first request once the user's previous call has finished. */
  readonly start: () => void;
  readonly started: Promise<void>;
}

/** One user's ledger traffic in this isolate. */
interface UserQueue {
  /** A call is in flight or being collected. */
  busy: boolean;
  /** When `busy` last became true, ms since the epoch. */
  busySince: number;
  /** The batch still taking proofs, if any. */
  open: Batch | undefined;
  /** Closed batches waiting for their turn, oldest first. */
  readonly waiting: Batch[];
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
 *
 * Ledger calls are batched per user: a proof that finds no call of its user
 * in flight goes to the ledger at once (no timer, so an idle client waits for
 * nothing but the round trip) — unless the user is busy (their previous
 * call carried several proofs and ended within `busyWindowMs`): then it
 * waits one timer tick, so the proofs this isolate has already received go
 * with it; a client with one request at a time never waits for that tick.
 * While a call is in flight, that user's next proofs queue and go together
 * in the following call, so a busy client costs one round trip per batch
 * instead of one per request. The
 * first request of a batch makes the call itself, in its own request context
 * (Workers tie I/O to the request that started it). Every request waits for
 * the ledger's verdict on its own proof; a failed or missing verdict refuses
 * the request (`DpopLedgerUnavailableError`, 503), never accepts it.
 */
export class DpopReplayGuard {
  private readonly local = new Map<string, number>();
  private readonly queues = new Map<string, UserQueue>();
  private readonly shared: SharedProofLedger | null;
  private readonly maxLocalEntries: number;
  private readonly maxBatch: number;
  private readonly maxBatchWaitMs: number;
  private readonly busyWindowMs: number;
  /** When each recently busy user's last ledger call ended, ms; oldest first. */
  private readonly lastCallEnd = new Map<string, number>();

  constructor(options: ReplayGuardOptions) {
    this.shared = options.shared;
    this.maxLocalEntries = options.maxLocalEntries ?? DEFAULT_LOCAL_PROOF_ENTRIES;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxBatchWaitMs = options.maxBatchWaitMs ?? DEFAULT_MAX_BATCH_WAIT_MS;
    this.busyWindowMs = options.busyWindowMs ?? DEFAULT_BUSY_WINDOW_MS;
  }

  /**
   * Accepts `proof` once; throws `InvalidDpopProofError` (`replayed`) for a
   * second use and `DpopNonceRequiredError` when the ledger wants a nonce.
   */
  async check(principal: Principal, proof: VerifiedDpopProof, options: ReplayCheckOptions, nowSeconds: number): Promise<void> {
    const id = `${proof.jkt} ${proof.jti}`;
    const seenUntil = this.local.get(id);
    if (seenUntil !== undefined && seenUntil >= nowSeconds) throw new InvalidDpopProofError("replayed", "proof jti was already used (this isolate)");
    const use: ProofUse = {
      id,
      expiresAt: proof.iat + options.maxAgeSeconds,
      notBefore: proof.iat - (options.clockToleranceSeconds ?? 0),
      nonce: proof.nonce,
      nonceRequired: options.nonceRequired,
    };
    this.remember(id, use.expiresAt);
    if (!this.shared) return;
    const verdict = await this.record(principal, use, this.shared, options.waitUntil);
    if (verdict.outcome === "replayed") throw new InvalidDpopProofError("replayed", "proof jti was already used (another isolate)");
    if (verdict.outcome === "nonce") {
      // Not recorded by the ledger: forget it here too, so nothing differs between isolates.
      this.local.delete(id);
      throw new DpopNonceRequiredError(verdict.nonce);
    }
  }

  /**
   * Sends `use` to the ledger at once if no call of this user is in flight;
   * else adds it to the user's open batch, or opens one, which its first
   * request sends when the call before it finishes. Others wait for its answer.
   */
  private async record(principal: Principal, use: ProofUse, shared: SharedProofLedger, waitUntil: ReplayCheckOptions["waitUntil"]): Promise<ProofVerdict> {
    const key = principalKey(principal);
    let queue = this.queues.get(key);
    // A queue whose call never finished (its request vanished before waitUntil held it) is abandoned.
    if (!queue || (queue.busy && Date.now() - queue.busySince > this.maxBatchWaitMs)) {
      queue = { busy: false, busySince: 0, open: undefined, waiting: [] };
      this.queues.set(key, queue);
    }
    const open = queue.open;
    if (open && open.waiters.length < this.maxBatch) {
      return await keepAlive(new Promise<ProofVerdict>((resolve, reject) => open.waiters.push({ use, resolve, reject })), this.maxBatchWaitMs);
    }
    let start!: () => void;
    const started = new Promise<void>((resolve) => (start = resolve));
    const batch: Batch = { waiters: [], start, started };
    const verdict = new Promise<ProofVerdict>((resolve, reject) => batch.waiters.push({ use, resolve, reject }));
    // Settled while this request awaits `call` below, and awaited right after: not an unhandled rejection.
    verdict.catch(() => undefined);
    if (queue.busy) {
      queue.open = batch;
      queue.waiting.push(batch);
      await keepAlive(started, this.maxBatchWaitMs);
      if (queue.open === batch) queue.open = undefined;
    } else {
      queue.busy = true;
      queue.busySince = Date.now();
      if (this.busy(key, queue.busySince)) {
        // Proofs of a busy user already received by this isolate join this call instead of waiting for the next.
        queue.open = batch;
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        if (queue.open === batch) queue.open = undefined;
      }
      // Idle user: no timer tick, the proof goes now; later ones batch behind it.
    }
    const own = queue;
    const call = (async () => {
      try {
        const verdicts = await shared(principal, batch.waiters.map((w) => w.use));
        batch.waiters.forEach((waiter, i) => {
          const v = verdicts[i];
          if (v) waiter.resolve(v);
          else waiter.reject(new DpopLedgerUnavailableError("DPoP ledger answered fewer verdicts than proofs"));
        });
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(new DpopLedgerUnavailableError("DPoP ledger call failed", { cause: error }));
      } finally {
        const next = own.waiting.shift();
        this.noteCallEnd(key, batch.waiters.length > 1 || next !== undefined, Date.now());
        if (next) {
          own.busySince = Date.now();
          next.start();
        } else {
          own.busy = false;
          if (!own.open && this.queues.get(key) === own) this.queues.delete(key);
        }
      }
    })();
    waitUntil?.(call);
    await call;
    return await verdict;
  }

  /** Whether `key`'s previous ledger call ended within `busyWindowMs` before `nowMs`. */
  private busy(key: string, nowMs: number): boolean {
    const last = this.lastCallEnd.get(key);
    return last !== undefined && nowMs - last < this.busyWindowMs;
  }

  /** Remembers when a call of `key` that had company (`crowded`) ended; a lone call makes the user idle again. */
  private noteCallEnd(key: string, crowded: boolean, nowMs: number): void {
    this.lastCallEnd.delete(key);
    if (!crowded || this.busyWindowMs <= 0) return;
    this.lastCallEnd.set(key, nowMs);
    if (this.lastCallEnd.size > RECENT_USERS) {
      const oldest = this.lastCallEnd.keys().next();
      if (!oldest.done) this.lastCallEnd.delete(oldest.value);
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

/**
 * Waits for a promise another request settles. The timer keeps this request
 * visibly busy: workerd cancels a request that awaits nothing of its own as
 * hung. It never fires in practice (a ledger call takes milliseconds); if it
 * does, the request fails rather than recording its proof twice.
 */
async function keepAlive<T>(promise: Promise<T>, maxWaitMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DpopLedgerUnavailableError("DPoP ledger batch did not answer in time")), maxWaitMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
