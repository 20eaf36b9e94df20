import type { WorkerConfig } from "../config.ts";
import type { Principal } from "./principal.ts";

/** Most tokens one isolate remembers per configuration. @default 1024 */
export const DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES = 1024;

/**
 * Longest a verification result is reused, seconds. Bounds how long a token
 * stays accepted after its key leaves the JWKS beyond the JWKS cache itself
 * (`JWKS_CACHE_TTL`, which also caps it). @default 60
 */
export const DEFAULT_VERIFIED_TOKEN_MAX_AGE_SECONDS = 60;

interface Entry {
  readonly principal: Principal;
  /** Seconds since the epoch after which the signature is checked again. */
  readonly reverifyAt: number;
}

export interface VerifiedTokenCacheOptions {
  /** @default DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES */
  readonly maxEntries?: number;
  /** Seconds. @default DEFAULT_VERIFIED_TOKEN_MAX_AGE_SECONDS */
  readonly maxAgeSeconds?: number;
}

/**
 * Remembers tokens this isolate fully verified, keyed by the exact token
 * string, so an MCP client's repeated calls with one access token cost a map
 * lookup instead of a signature check (the largest cost on the hot path; see
 * README "Benchmark").
 *
 * Safe because a hit requires the byte-identical token that already passed
 * every check under the same configuration: header, signature, iss, aud, nbf,
 * iat and lifetime cannot change for it. The one check that depends on time,
 * `exp` (RFC 7519 §4.1.4), is repeated on every hit. Results are kept per
 * `WorkerConfig` object, so a different issuer or audience never shares them.
 */
export class VerifiedTokenCache {
  private readonly byConfig = new WeakMap<WorkerConfig, Map<string, Entry>>();
  private readonly maxEntries: number;
  private readonly maxAgeSeconds: number;

  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES;
    this.maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_VERIFIED_TOKEN_MAX_AGE_SECONDS;
  }

  /** The principal of a token verified earlier under `config`, if still usable at `nowSeconds`. */
  get(config: WorkerConfig, token: string, nowSeconds: number): Principal | undefined {
    const entries = this.byConfig.get(config);
    const entry = entries?.get(token);
    if (!entries || !entry) return undefined;
    // RFC 7519 §4.1.4, same rule as jose: expired once exp <= now - tolerance.
    const expired = entry.principal.expiresAt <= nowSeconds - config.clockToleranceSeconds;
    if (expired || nowSeconds >= entry.reverifyAt) {
      entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  /** Records a token that just passed full verification under `config`. */
  set(config: WorkerConfig, token: string, principal: Principal, nowSeconds: number): void {
    let entries = this.byConfig.get(config);
    if (!entries) {
      entries = new Map();
      this.byConfig.set(config, entries);
    }
    const maxAge = Math.min(this.maxAgeSeconds, config.jwksCacheTtlSeconds);
    entries.set(token, { principal, reverifyAt: nowSeconds + maxAge });
    // Map iteration order is insertion order: evict the oldest first.
    while (entries.size > this.maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  }
}
