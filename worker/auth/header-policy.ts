import { decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import { InvalidTokenError } from "./errors.ts";

/** The only header parameters key selection may see: never `jwk`, `jku`, `x5u` or `x5c`. */
export interface KeySelector {
  readonly alg: string;
  /** Non-empty; tokens without one are rejected before any key lookup. */
  readonly kid: string;
}

/**
 * RFC 7515 §4.1.9 `typ` values we accept, compared case-insensitively without
 * an `application/` prefix: `JWT` (RFC 7519 §5.1, what Authgent signs) and
 * `at+jwt` (RFC 9068 §2.1).
 */
const ACCEPTED_TYP = new Set(["jwt", "at+jwt"]);

/**
 * Applies the header policy to a shape-checked compact JWS and returns what
 * key selection may use. Runs before jose (which re-checks `alg` and `crit`)
 * so these rejections happen in our code: jose throws them before its first
 * `await`, which workerd reports as an unhandled rejection even though the
 * caller handles it.
 *
 * @throws InvalidTokenError `ERR_TOKEN_MALFORMED` or `ERR_TOKEN_UNSUPPORTED`
 */
export function checkProtectedHeader(token: string, algorithms: readonly string[]): KeySelector {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (cause) {
    // decodeProtectedHeader reports undecodable or non-object headers as TypeError.
    if (cause instanceof TypeError) {
      throw new InvalidTokenError("ERR_TOKEN_MALFORMED", "token header is not a JSON object", { cause });
    }
    throw cause;
  }
  // RFC 7515 §4.1.11: we understand no extension, so any crit must be refused.
  if (header.crit !== undefined) {
    throw new InvalidTokenError("ERR_TOKEN_UNSUPPORTED", "token header has crit extensions", { claim: "crit" });
  }
  const { alg, kid, typ } = header;
  // RFC 8725 §3.1/§3.2: an explicit allow-list, so "none" and HS* (an HMAC
  // keyed with our public key) never reach a key.
  if (typeof alg !== "string" || !algorithms.includes(alg)) {
    throw new InvalidTokenError("ERR_TOKEN_UNSUPPORTED", "alg is not in the configured allow-list", { claim: "alg" });
  }
  // RFC 7515 §4.1.4 makes kid optional; we require it so a token can never be
  // matched against "whichever key comes first" (the seed's keys[0] fallback).
  if (typeof kid !== "string" || kid === "") {
    throw new InvalidTokenError("ERR_TOKEN_MALFORMED", "token header has no kid", { claim: "kid" });
  }
  // RFC 8725 §3.11 explicit typing: refuse other JWT kinds (e.g. dpop+jwt,
  // logout+jwt) that could otherwise be replayed as access tokens.
  if (typ !== undefined && (typeof typ !== "string" || !ACCEPTED_TYP.has(normalizeTyp(typ)))) {
    throw new InvalidTokenError("ERR_TOKEN_UNSUPPORTED", "token typ is neither JWT nor at+jwt", { claim: "typ" });
  }
  return { alg, kid };
}

/** RFC 7515 §4.1.9: "application/" may be omitted and media types are case-insensitive. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}
