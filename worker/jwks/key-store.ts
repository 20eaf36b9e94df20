import { errors } from "jose";
import { InvalidTokenError, JwksUnavailableError } from "../auth/errors.ts";
import type { KeySelector } from "../auth/header-policy.ts";
import type { KeyResolver } from "../auth/verify-token.ts";
import { fetchJsonBounded, type BoundedFetchOptions } from "./bounded-fetch.ts";
import { discoverJwksUri } from "./discovery.ts";
import { JwksFetchError } from "./fetch-error.ts";
import { buildKeySnapshot, type KeySnapshot } from "./key-snapshot.ts";
import type { JwksSourceOptions } from "./options.ts";
import { readSharedJwks, writeSharedJwks } from "./shared-cache.ts";

/**
 * What one isolate knows about one issuer's keys. Only settled data lives
 * here, never a promise: workerd cannot safely let one request await I/O
 * started by another, so concurrent cold requests each fetch for themselves
 * and coordinate through timestamps instead.
 */
interface IssuerState {
  snapshot: KeySnapshot | undefined;
  /** Discovered `jwks_uri`, reused until a fetch fails. */
  jwksUri: string | undefined;
  /** When the latest fetch attempt started, ms; cooldowns count from here. */
  lastAttemptAtMs: number | undefined;
  /** Why the latest attempt failed; cleared by a success. */
  lastFailure: JwksFetchError | undefined;
}

/** Module-level, so it lives as long as the isolate and serves all its requests. */
const isolateState = new Map<string, IssuerState>();

/**
 * Forgets every issuer's keys in this isolate, as a fresh isolate would.
 * For tests of the cross-isolate cache; production code never calls it.
 */
export function resetJwksIsolateState(): void {
  isolateState.clear();
}

/**
 * A `KeyResolver` over the issuer's JWKS. Policy:
 * - fresh keys (younger than `ttlSeconds`): no I/O at all;
 * - no keys in this isolate: the Cache API copy, else a fetch by each such
 *   request (a cold burst of N costs at most N fetches); after a failed fetch,
 *   requests fail fast with `JwksUnavailableError` until the cooldown ends;
 * - stale keys: one request per cooldown refreshes (in the background when
 *   `waitUntil` is given); the stale keys keep verifying meanwhile and while
 *   Authgent is unreachable, up to `maxStaleSeconds`;
 * - unknown `kid`: at most one refetch per cooldown, then `ERR_TOKEN_KEY_UNKNOWN`.
 */
export function createJwksKeyResolver(options: JwksSourceOptions): KeyResolver {
  return (selector) => resolveKey(selector, options);
}

async function resolveKey(selector: KeySelector, options: JwksSourceOptions): Promise<CryptoKey> {
  const state = stateFor(options.issuer);
  let snapshot = await currentSnapshot(state, options);
  if (!snapshot.kids.has(selector.kid)) snapshot = await snapshotWithKid(state, options, snapshot, selector.kid);
  try {
    return await snapshot.keySet({ alg: selector.alg, kid: selector.kid });
  } catch (error) {
    // jose's own errors (kid published for another alg) are translated by verify-token.
    if (error instanceof errors.JOSEError) throw error;
    // WebCrypto refused the published key material: the token names a key we cannot use.
    throw new InvalidTokenError("ERR_TOKEN_KEY_UNKNOWN", "the published key for this kid cannot be imported", {
      cause: error,
      claim: "kid",
    });
  }
}

async function currentSnapshot(state: IssuerState, options: JwksSourceOptions): Promise<KeySnapshot> {
  const now = options.now();
  let snapshot = withinMaxStale(state.snapshot, now, options);
  if (!snapshot && options.cache) {
    snapshot = await readSharedJwks(options.cache, options.issuer, now, options.maxStaleSeconds, options.algorithms);
    if (snapshot) install(state, snapshot);
  }
  if (snapshot && now - snapshot.fetchedAtMs < options.ttlSeconds * 1000) return snapshot;

  if (snapshot) {
    if (!cooldownOver(state, now, options)) return snapshot;
    claimFetch(state, now);
    const refreshing = refresh(state, options);
    if (options.waitUntil) {
      options.waitUntil(refreshing.catch(logUnexpected));
      return snapshot;
    }
    try {
      return await refreshing;
    } catch (error) {
      if (error instanceof JwksFetchError) return snapshot; // Authgent unreachable: keep the stale keys
      throw error;
    }
  }

  // Cold. Each cold request fetches for itself (see IssuerState) unless a
  // recent attempt failed: then fail fast rather than hammer a sick issuer.
  if (state.lastFailure && !cooldownOver(state, now, options)) throw unavailable(state, options);
  claimFetch(state, now);
  try {
    return await refresh(state, options);
  } catch (error) {
    if (error instanceof JwksFetchError) throw unavailable(state, options);
    throw error;
  }
}

/**
 * The kid is not in our keys: a rotation we have not seen yet, or a forgery.
 * Look again at most once per cooldown, so random kids cannot make us hammer
 * Authgent (RFC 8725 §3.10 resource exhaustion).
 */
async function snapshotWithKid(
  state: IssuerState,
  options: JwksSourceOptions,
  snapshot: KeySnapshot,
  kid: string,
): Promise<KeySnapshot> {
  const now = options.now();
  if (!cooldownOver(state, now, options)) throw keyUnknown("refetch cooldown active");
  claimFetch(state, now);
  if (options.cache) {
    // Another isolate may already have fetched the rotated JWKS.
    const shared = await readSharedJwks(options.cache, options.issuer, now, options.maxStaleSeconds, options.algorithms);
    if (shared && shared.fetchedAtMs > snapshot.fetchedAtMs) {
      install(state, shared);
      if (shared.kids.has(kid)) return shared;
    }
  }
  try {
    const fresh = await refresh(state, options);
    if (fresh.kids.has(kid)) return fresh;
  } catch (error) {
    if (!(error instanceof JwksFetchError)) throw error;
  }
  throw keyUnknown("not published by the issuer");
}

/** Discovers (once) and fetches the JWKS, installs it and shares it. Throws JwksFetchError. */
async function refresh(state: IssuerState, options: JwksSourceOptions): Promise<KeySnapshot> {
  const limits: BoundedFetchOptions = {
    fetch: options.fetch,
    timeoutMs: options.fetchTimeoutMs,
    maxBodyBytes: options.maxBodyBytes,
  };
  try {
    const jwksUri = state.jwksUri ?? (await discoverJwksUri(options.issuer, limits));
    const document = await fetchJsonBounded(jwksUri, limits);
    const snapshot = await buildKeySnapshot(document, options.now(), options.algorithms);
    state.jwksUri = jwksUri;
    state.lastFailure = undefined;
    install(state, snapshot);
    if (options.cache) {
      const sharing = writeSharedJwks(options.cache, options.issuer, snapshot, options.maxStaleSeconds);
      if (options.waitUntil) options.waitUntil(sharing);
      else await sharing;
    }
    return snapshot;
  } catch (error) {
    if (error instanceof JwksFetchError) {
      state.lastFailure = error;
      state.jwksUri = undefined; // rediscover next time: the endpoint may have moved
      console.warn(`jwks fetch failed for ${options.issuer}: ${error.message}`);
    }
    throw error;
  }
}

function stateFor(issuer: string): IssuerState {
  let state = isolateState.get(issuer);
  if (!state) {
    state = { snapshot: undefined, jwksUri: undefined, lastAttemptAtMs: undefined, lastFailure: undefined };
    isolateState.set(issuer, state);
  }
  return state;
}

/** Keeps the newest snapshot: a slow cold fetch must not undo a later rotation. */
function install(state: IssuerState, snapshot: KeySnapshot): void {
  if (!state.snapshot || snapshot.fetchedAtMs >= state.snapshot.fetchedAtMs) state.snapshot = snapshot;
}

function withinMaxStale(snapshot: KeySnapshot | undefined, now: number, options: JwksSourceOptions): KeySnapshot | undefined {
  return snapshot && now - snapshot.fetchedAtMs <= options.maxStaleSeconds * 1000 ? snapshot : undefined;
}

/** Recorded before the fetch starts, so concurrent requests see the claim at once. */
function claimFetch(state: IssuerState, now: number): void {
  state.lastAttemptAtMs = now;
}

function cooldownOver(state: IssuerState, now: number, options: JwksSourceOptions): boolean {
  return state.lastAttemptAtMs === undefined || now - state.lastAttemptAtMs >= options.cooldownSeconds * 1000;
}

function unavailable(state: IssuerState, options: JwksSourceOptions): JwksUnavailableError {
  const now = options.now();
  const retryAtMs = (state.lastAttemptAtMs ?? now) + options.cooldownSeconds * 1000;
  const retryAfterSeconds = Math.max(1, Math.ceil((retryAtMs - now) / 1000));
  const reason = state.lastFailure?.message ?? "no keys fetched yet";
  return new JwksUnavailableError(`no usable JWKS for ${options.issuer}: ${reason}`, retryAfterSeconds, {
    cause: state.lastFailure,
  });
}

function keyUnknown(why: string): InvalidTokenError {
  return new InvalidTokenError("ERR_TOKEN_KEY_UNKNOWN", `token kid is unknown (${why})`, { claim: "kid" });
}

function logUnexpected(error: unknown): void {
  // Fetch failures are already recorded and logged by refresh(); anything else is a bug.
  if (!(error instanceof JwksFetchError)) console.error("jwks background refresh failed", error);
}
