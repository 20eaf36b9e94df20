import { errors, jwtVerify, type JWSHeaderParameters } from "jose";
import { AuthgentError } from "../errors.ts";
import { principalFromClaims } from "./claims.ts";
import { InvalidTokenError } from "./errors.ts";
import { translateJoseError } from "./jose-errors.ts";
import type { Principal } from "./principal.ts";
import { checkTokenShape } from "./token-shape.ts";
import type { VerifyOptions } from "./verify-options.ts";

/** The only header parameters key selection may see: never `jwk`, `jku`, `x5u` or `x5c`. */
export interface KeySelector {
  readonly alg: string;
  /** Non-empty; tokens without one are rejected before any key lookup. */
  readonly kid: string;
}

/**
 * Returns the issuer's public key for `selector`, or throws: an
 * `InvalidTokenError` (unknown kid), a `JwksUnavailableError`, or a jose
 * `JWKSNoMatchingKey`.
 */
export type KeyResolver = (selector: KeySelector) => Promise<CryptoKey>;

/**
 * RFC 7515 §4.1.9 `typ` values we accept, compared case-insensitively without
 * an `application/` prefix: `JWT` (RFC 7519 §5.1, what Authgent signs) and
 * `at+jwt` (RFC 9068 §2.1).
 */
const ACCEPTED_TYP = new Set(["jwt", "at+jwt"]);

/**
 * Verifies an OAuth access token and returns its principal. Pure: the key
 * lookup and the clock are injected, nothing reads `env` or `Request`.
 *
 * Checks, in order: shape and size (`token-shape.ts`); `crit` and `alg` against
 * `options.algorithms` (jose, before any key lookup, so `none` and HS* never
 * reach a key); `kid` present and `typ` acceptable; the signature with the key
 * `getKey` selects by `kid` and `alg` alone; `iss`, `aud`, `exp`, `nbf`, `iat`,
 * `sub` (jose), then lifetime, future `iat` and claim types (`claims.ts`).
 *
 * @param nowSeconds current time, seconds since the epoch.
 * @throws InvalidTokenError for any unacceptable token; JwksUnavailableError
 *   from `getKey` when no key can be obtained.
 */
export async function verifyAccessToken(
  token: string,
  getKey: KeyResolver,
  options: VerifyOptions,
  nowSeconds: number,
): Promise<Principal> {
  checkTokenShape(token);
  let payload;
  try {
    ({ payload } = await jwtVerify(token, (header) => resolveKey(header, getKey), {
      // RFC 8725 §3.1/§3.2: an explicit allow-list, never the algorithm the token names.
      algorithms: [...options.algorithms],
      // RFC 7519 §4.1.1 / RFC 9068 §4: iss must equal our issuer exactly.
      issuer: options.issuer,
      // RFC 7519 §4.1.3 / RFC 8707 §2: reject unless our resource is listed in aud.
      audience: options.audience,
      // RFC 9068 §2.2: exp, iat and sub are required in JWT access tokens.
      requiredClaims: ["exp", "iat", "sub"],
      clockTolerance: options.clockToleranceSeconds,
      currentDate: new Date(nowSeconds * 1000),
    }));
  } catch (error) {
    if (error instanceof KeyResolverFailure) throw error.cause;
    if (error instanceof AuthgentError) throw error;
    const translated = translateJoseError(error);
    if (translated) throw translated;
    throw error;
  }
  return principalFromClaims(payload, options, nowSeconds);
}

/** Applies the header policy, then asks `getKey` with nothing but `alg` and `kid`. */
async function resolveKey(header: JWSHeaderParameters, getKey: KeyResolver): Promise<CryptoKey> {
  const { alg, kid, typ } = header;
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
  // jose has already checked alg against the allow-list, so it is a string here.
  try {
    return await getKey({ alg: alg as string, kid });
  } catch (error) {
    if (error instanceof AuthgentError || error instanceof errors.JOSEError) throw error;
    // Anything else is a resolver bug: keep it out of the token-error mapping.
    throw new KeyResolverFailure(error);
  }
}

/** RFC 7515 §4.1.9: "application/" may be omitted and media types are case-insensitive. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}

class KeyResolverFailure extends Error {
  constructor(cause: unknown) {
    super("key resolver failed", { cause });
  }
}
