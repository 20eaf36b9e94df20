import type { SupportedAlgorithm } from "../config.ts";
import { JwksFetchError } from "./fetch-error.ts";
import { buildKeySnapshot, type KeySnapshot } from "./key-snapshot.ts";

/**
 * Synthetic, never-routable origin for Cache API keys (RFC 6761 §6.4
 * `.invalid`): entries cannot collide with, or be served as, real pages.
 */
const CACHE_KEY_ORIGIN = "https://jwks.authgent-edge.invalid";

/** Bump when the stored format changes, so old entries are ignored. */
const CACHE_FORMAT = "v1";

const FETCHED_AT_HEADER = "x-authgent-jwks-fetched-at";

export function sharedCacheKey(issuer: string): string {
  return `${CACHE_KEY_ORIGIN}/${CACHE_FORMAT}/${encodeURIComponent(issuer)}`;
}

/**
 * Reads another isolate's copy of the issuer's JWKS (Workers Cache API; one
 * cache per Cloudflare location). Entries older than `maxStaleSeconds` are
 * ignored. Returns undefined on a miss or an unusable entry.
 */
export async function readSharedJwks(
  cache: Cache,
  issuer: string,
  nowMs: number,
  maxStaleSeconds: number,
  algorithms: readonly SupportedAlgorithm[],
): Promise<KeySnapshot | undefined> {
  let response: Response | undefined;
  try {
    response = await cache.match(sharedCacheKey(issuer));
  } catch (error) {
    // The shared cache only saves fetches; when it fails, fetching still works.
    console.warn(`jwks shared cache read failed for ${issuer}`, error);
    return undefined;
  }
  if (!response) return undefined;
  const fetchedAtMs = Number(response.headers.get(FETCHED_AT_HEADER));
  if (!Number.isFinite(fetchedAtMs) || nowMs - fetchedAtMs > maxStaleSeconds * 1000) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    return await buildKeySnapshot(await response.json(), fetchedAtMs, algorithms);
  } catch (error) {
    if (error instanceof JwksFetchError || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * Stores the JWKS for other isolates. It is kept for `maxStaleSeconds`, not
 * the TTL, so an isolate that starts while Authgent is down still finds keys;
 * readers judge freshness from the fetch time.
 */
export async function writeSharedJwks(cache: Cache, issuer: string, snapshot: KeySnapshot, maxStaleSeconds: number): Promise<void> {
  const response = new Response(JSON.stringify(snapshot.jwks), {
    headers: {
      "content-type": "application/json",
      "cache-control": `max-age=${maxStaleSeconds}`,
      [FETCHED_AT_HEADER]: String(snapshot.fetchedAtMs),
    },
  });
  try {
    await cache.put(sharedCacheKey(issuer), response);
  } catch (error) {
    console.warn(`jwks shared cache write failed for ${issuer}`, error);
  }
}
