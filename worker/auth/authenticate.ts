import type { WorkerConfig } from "../config.ts";
import { createJwksKeyResolver } from "../jwks/key-store.ts";
import { resolveJwksTuning, type JwksTuning } from "../jwks/options.ts";
import { extractCredentials, extractDpopProof } from "./credentials.ts";
import type { ProofKeyCache } from "./dpop/proof-keys.ts";
import type { DpopReplayGuard } from "./dpop/replay-guard.ts";
import { verifyDpopProof } from "./dpop/verify-proof.ts";
import { InvalidTokenError, underScheme, type AuthScheme } from "./errors.ts";
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
  /**
   * DPoP `jti` replay detection (the worker passes its isolate-local guard
   * backed by the user's Durable Object). Required for the DPoP scheme: a
   * DPoP request without one is a server error, never accepted unchecked.
   * @default undefined
   */
  readonly dpopReplay?: DpopReplayGuard;
  /** Imported DPoP proof keys. @default an isolate-wide cache in `verify-proof.ts` */
  readonly proofKeys?: ProofKeyCache;
}

/**
 * Authenticates an MCP request from the Authorization header only: an RFC
 * 6750 §2.1 bearer token, or an RFC 9449 §7.1 DPoP-bound token with its
 * `DPoP` proof, verified against the issuer's JWKS.
 *
 * Order: the credential and (for DPoP) the proof header's presence; the
 * token; for Bearer, that it is not DPoP-bound; for DPoP, the proof, its key
 * against `cnf.jkt`, then `jti` replay (the only step that may leave the
 * isolate). Throws the errors in `./errors.ts`; never resolves for a bad
 * token or proof.
 */
export async function authenticate(request: Request, config: WorkerConfig, deps: AuthDeps = {}): Promise<Principal> {
  const { scheme, token } = extractCredentials(request.headers);
  // RFC 9449 §7.1: a resource that requires DPoP offers only the DPoP challenge.
  if (scheme === "Bearer" && config.requireDpop) {
    throw new InvalidTokenError("ERR_TOKEN_BINDING", "this resource accepts only DPoP-bound tokens", { scheme: "DPoP" });
  }
  const proof = scheme === "DPoP" ? extractDpopProof(request.headers) : undefined;
  const now = deps.now ?? Date.now;
  const principal = await verifiedPrincipal(token, scheme, config, deps, now);
  if (proof === undefined) {
    // RFC 9449 §7.2: a DPoP-bound token sent as a bearer token is refused, or stealing it would be enough.
    if (principal.dpopJkt !== undefined) {
      throw new InvalidTokenError("ERR_TOKEN_BINDING", "DPoP-bound token presented with the Bearer scheme", { claim: "cnf" });
    }
    return principal;
  }
  // RFC 9449 §7.1: the DPoP scheme carries a token bound to a key; an unbound one gains nothing from a proof.
  if (principal.dpopJkt === undefined) {
    throw new InvalidTokenError("ERR_TOKEN_BINDING", "token presented with the DPoP scheme has no cnf.jkt", { claim: "cnf", scheme: "DPoP" });
  }
  const nowSeconds = now() / 1000;
  const verified = await verifyDpopProof(
    proof,
    { method: request.method, url: request.url, accessToken: token },
    { algorithms: config.dpopAlgorithms, maxAgeSeconds: config.dpopProofMaxAgeSeconds, clockToleranceSeconds: config.clockToleranceSeconds },
    nowSeconds,
    deps.proofKeys,
  );
  // RFC 9449 §7.1 / §6.1: the proof's key must be the one the token is bound to.
  if (verified.jkt !== principal.dpopJkt) {
    throw new InvalidTokenError("ERR_TOKEN_BINDING", "DPoP proof key does not match the token's cnf.jkt", { claim: "cnf", scheme: "DPoP" });
  }
  if (!deps.dpopReplay) throw new Error("DPoP request but no replay guard configured");
  await deps.dpopReplay.check(
    principal,
    verified,
    {
      maxAgeSeconds: config.dpopProofMaxAgeSeconds,
      clockToleranceSeconds: config.clockToleranceSeconds,
      nonceRequired: config.dpopNonce,
      ...(deps.waitUntil ? { waitUntil: deps.waitUntil } : {}),
    },
    nowSeconds,
  );
  return principal;
}

/** The token's principal, from the isolate's cache or a full verification. */
async function verifiedPrincipal(
  token: string,
  scheme: AuthScheme,
  config: WorkerConfig,
  deps: AuthDeps,
  now: () => number,
): Promise<Principal> {
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
  let principal: Principal;
  try {
    // Awaited, not returned: workerd reports a rejection adopted via `return` as unhandled.
    principal = await verifyAccessToken(token, getKey, config, now() / 1000);
  } catch (error) {
    // The challenge that carries the error is the scheme the token came with (RFC 9449 §7.1).
    if (error instanceof InvalidTokenError) throw underScheme(error, scheme);
    throw error;
  }
  deps.verifiedTokens?.set(config, token, principal, now() / 1000);
  return principal;
}

function defaultCache(): Cache | null {
  return typeof caches === "undefined" ? null : caches.default;
}
