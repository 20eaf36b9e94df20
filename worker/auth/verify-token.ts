import { errors, jwtVerify } from "jose";
import { AuthgentError } from "../errors.ts";
import { principalFromClaims } from "./claims.ts";
import { checkProtectedHeader, type KeySelector } from "./header-policy.ts";
import { translateJoseError } from "./jose-errors.ts";
import type { Principal } from "./principal.ts";
import { checkTokenShape } from "./token-shape.ts";
import type { VerifyOptions } from "./verify-options.ts";

/**
 * Returns the issuer's public key for `selector`, or throws: an
 * `InvalidTokenError` (unknown kid), a `JwksUnavailableError`, or a jose
 * `JWKSNoMatchingKey`.
 */
export type KeyResolver = (selector: KeySelector) => Promise<CryptoKey>;

/**
 * Verifies an OAuth access token and returns its principal. Pure: the key
 * lookup and the clock are injected, nothing reads `env` or `Request`.
 *
 * Checks, in order: size and shape (`token-shape.ts`); the header — `crit`,
 * `alg` allow-list, `kid`, `typ` (`header-policy.ts`), so a bad header never
 * causes a key lookup; the signature with the key `getKey` selects by `kid`
 * and `alg` alone; `iss`, `aud`, `exp`, `nbf`, presence of `exp`/`iat`/`sub`
 * (jose); lifetime, future `iat` and claim types (`claims.ts`).
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
  const selector = checkProtectedHeader(token, options.algorithms);
  let payload;
  try {
    ({ payload } = await jwtVerify(token, () => resolveKey(selector, getKey), {
      // Re-checked by jose (defence in depth): RFC 8725 §3.1 allow-list.
      algorithms: [...options.algorithms],
      // RFC 7519 §4.1.1 / RFC 9068 §4: iss must equal our issuer exactly.
      issuer: options.issuer,
      // RFC 7519 §4.1.3 / RFC 8707 §2: reject unless our resource is listed in aud.
      audience: options.audience,
      // RFC 9068 §2.2: exp, iat and sub are required in JWT access tokens.
      requiredClaims: ["exp", "iat", "sub"],
      // RFC 7519 §4.1.4/§4.1.5: exp and nbf, with this much clock skew allowed.
      clockTolerance: options.clockToleranceSeconds,
      currentDate: new Date(nowSeconds * 1000),
    }));
  } catch (error) {
    if (error instanceof KeyResolverFailure) throw error.cause;
    if (error instanceof AuthgentError) throw error;
    const translated = translateJoseError(error, options);
    if (translated) throw translated;
    throw error;
  }
  return principalFromClaims(payload, options, nowSeconds);
}

/** Key selection sees `alg` and `kid` only: embedded `jwk`/`jku`/`x5u`/`x5c` are never used. */
async function resolveKey(selector: KeySelector, getKey: KeyResolver): Promise<CryptoKey> {
  try {
    return await getKey(selector);
  } catch (error) {
    if (error instanceof AuthgentError || error instanceof errors.JOSEError) throw error;
    // Anything else is a resolver bug: keep it out of the token-error mapping.
    throw new KeyResolverFailure(error);
  }
}

class KeyResolverFailure extends Error {
  constructor(cause: unknown) {
    super("key resolver failed", { cause });
  }
}
