import type { WorkerConfig } from "../config.ts";
import { createJwksKeyResolver } from "../jwks/key-store.ts";
import { resolveJwksTuning, type JwksTuning } from "../jwks/options.ts";
import { extractBearerToken } from "./bearer.ts";
import type { Principal } from "./principal.ts";
import type { VerifiedTokenCache } from "./verified-token-cache.ts";
import { verifyAccessToken } from "./verify-token.ts";

/** Injected I/O, so tests need no timers and no network. */
export interface AuthDeps {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Cross-isolate JWKS cache; null disables it. @default caches.default */
  readonly cache?: Cache | null;
  /** Current time, milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /**
   * `ExecutionContext.waitUntil`, so stale-key refreshes and cache writes run
   * after the response instead of delaying it. @default undefined (awaited inline)
   */
  readonly waitUntil?: (promise: Promise<unknown>) => void;
  /** JWKS timeouts, size cap, cooldown and staleness; see `JwksTuning` for defaults. */
  readonly jwks?: JwksTuning;
  /**
   * Reuses earlier verifications of the identical token (the worker passes its
   * isolate-wide cache). @default undefined (every call verifies in full)
   */
  readonly verifiedTokens?: VerifiedTokenCache;
}

/**
 * Authenticates an MCP request: RFC 6750 §2.1 bearer token from the
 * Authorization header only, verified against the issuer's JWKS.
 * Throws the errors in `./errors.ts`; never resolves for a bad token.
 */
export async function authenticate(request: Request, config: WorkerConfig, deps: AuthDeps = {}): Promise<Principal> {
  const token = extractBearerToken(request.headers);
  const now = deps.now ?? Date.now;
  const cached = deps.verifiedTokens?.get(config, token, now() / 1000);
  if (cached) return cached;
  const getKey = createJwksKeyResolver({
    ...resolveJwksTuning(deps.jwks),
    issuer: config.issuer,
    ttlSeconds: config.jwksCacheTtlSeconds,
    algorithms: config.algorithms,
    // Wrapped: workerd's fetch must not be called detached from globalThis.
    fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
    cache: deps.cache === undefined ? defaultCache() : deps.cache,
    now,
    waitUntil: deps.waitUntil,
  });
  // Awaited, not returned: workerd reports a rejection adopted via `return` as unhandled.
  const principal = await verifyAccessToken(token, getKey, config, now() / 1000);
  deps.verifiedTokens?.set(config, token, principal, now() / 1000);
  return principal;
}

function defaultCache(): Cache | null {
  return typeof caches === "undefined" ? null : caches.default;
}
