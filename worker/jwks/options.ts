import type { SupportedAlgorithm } from "../config.ts";

/** Abort a metadata or JWKS request after this long, milliseconds. */
export const DEFAULT_JWKS_FETCH_TIMEOUT_MS = 5_000;

/** Largest metadata or JWKS body read, bytes (256 KiB: a JWKS is a few KiB). */
export const DEFAULT_JWKS_MAX_BODY_BYTES = 256 * 1024;

/**
 * Least time between two JWKS fetch attempts for one issuer once keys are
 * cached or a fetch has failed, seconds. Bounds what unknown `kid`s or an
 * unreachable Authgent can cost the issuer.
 */
export const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;

/**
 * Longest cached keys are still used after their TTL while Authgent cannot be
 * reached, seconds (24 h). Past it a key removed from the JWKS is no longer
 * trusted just because the issuer is down.
 */
export const DEFAULT_JWKS_MAX_STALE_SECONDS = 86_400;

/** Tunables of JWKS retrieval. Defaults are applied in `resolveJwksTuning`. */
export interface JwksTuning {
  /** Milliseconds. @default 5000 (DEFAULT_JWKS_FETCH_TIMEOUT_MS) */
  readonly fetchTimeoutMs?: number;
  /** Bytes. @default 262144 (DEFAULT_JWKS_MAX_BODY_BYTES) */
  readonly maxBodyBytes?: number;
  /** Seconds. @default 30 (DEFAULT_JWKS_COOLDOWN_SECONDS) */
  readonly cooldownSeconds?: number;
  /** Seconds. @default 86400 (DEFAULT_JWKS_MAX_STALE_SECONDS) */
  readonly maxStaleSeconds?: number;
}

/** Everything the key store needs, every field resolved. */
export interface JwksSourceOptions extends Required<JwksTuning> {
  /** The configured issuer; keys are cached per issuer. */
  readonly issuer: string;
  /** How long fetched keys count as fresh, seconds (`JWKS_CACHE_TTL`). */
  readonly ttlSeconds: number;
  /** Algorithms tokens may use; keys are pre-imported for these. */
  readonly algorithms: readonly SupportedAlgorithm[];
  readonly fetch: typeof fetch;
  /** Cross-isolate cache (Workers Cache API); null disables sharing. */
  readonly cache: Cache | null;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /**
   * Lets a stale-key refresh and cache writes finish after the response
   * (`ExecutionContext.waitUntil`). Without it the request that claims the
   * refresh awaits it (bounded by the fetch timeout).
   */
  readonly waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

export function resolveJwksTuning(tuning: JwksTuning = {}): Required<JwksTuning> {
  return {
    fetchTimeoutMs: tuning.fetchTimeoutMs ?? DEFAULT_JWKS_FETCH_TIMEOUT_MS,
    maxBodyBytes: tuning.maxBodyBytes ?? DEFAULT_JWKS_MAX_BODY_BYTES,
    cooldownSeconds: tuning.cooldownSeconds ?? DEFAULT_JWKS_COOLDOWN_SECONDS,
    maxStaleSeconds: tuning.maxStaleSeconds ?? DEFAULT_JWKS_MAX_STALE_SECONDS,
  };
}
