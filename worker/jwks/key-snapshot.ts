import { createLocalJWKSet, errors, type JSONWebKeySet } from "jose";
import type { SupportedAlgorithm } from "../config.ts";
import { JwksFetchError } from "./fetch-error.ts";

/** JWK members that only private (RFC 7518 §6.2.2, §6.3.2) or symmetric (§6.4.1) keys carry. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"] as const;

/** One JWKS as fetched at one moment, ready to verify with. */
export interface KeySnapshot {
  readonly jwks: JSONWebKeySet;
  /** jose's key set over `jwks`: selects by kid, alg and kty, imports once. */
  readonly keySet: ReturnType<typeof createLocalJWKSet>;
  /** Every `kid` published, to tell "unknown kid" from "wrong alg". */
  readonly kids: ReadonlySet<string>;
  /** When the JWKS was fetched from the issuer, milliseconds since the epoch. */
  readonly fetchedAtMs: number;
}

/**
 * Validates a JWKS document and prepares it. Every (kid, allowed alg) pair is
 * imported here, in the request that fetched the keys: jose caches each
 * import as a promise, and another request awaiting a promise settled in this
 * one's context is what workerd can hang on. After warming, lookups return
 * already-imported CryptoKeys.
 *
 * @throws JwksFetchError `invalid_jwks`
 */
export async function buildKeySnapshot(
  document: unknown,
  fetchedAtMs: number,
  algorithms: readonly SupportedAlgorithm[],
): Promise<KeySnapshot> {
  let keySet: ReturnType<typeof createLocalJWKSet>;
  try {
    // RFC 7517 §5: a JWK Set is an object with a "keys" array of JWK objects.
    keySet = createLocalJWKSet(document as JSONWebKeySet);
  } catch (cause) {
    if (cause instanceof errors.JWKSInvalid) throw new JwksFetchError("invalid_jwks", "the JWKS is not a JWK Set", { cause });
    throw cause;
  }
  const jwks = document as JSONWebKeySet;
  // RFC 7517 §4/§6: a published set holds public keys only. Private or
  // symmetric material means the issuer leaked a signing secret: trust none of it.
  if (jwks.keys.some((jwk) => PRIVATE_MEMBERS.some((member) => member in jwk))) {
    throw new JwksFetchError("invalid_jwks", "the JWKS contains private or symmetric key material");
  }
  const kids = new Set<string>();
  for (const jwk of jwks.keys) {
    if (typeof jwk.kid !== "string" || jwk.kid === "") continue;
    kids.add(jwk.kid);
    for (const alg of algorithms) {
      try {
        await keySet({ alg, kid: jwk.kid });
      } catch {
        // Expected for every alg the key is not for; a genuinely unusable key
        // fails again, and is reported, when a token names it.
      }
    }
  }
  return { jwks, keySet, kids, fetchedAtMs };
}
