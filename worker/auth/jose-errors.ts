import { errors } from "jose";
import { audienceMismatchReason } from "./audience-mismatch.ts";
import { InvalidTokenError, type InvalidTokenCode } from "./errors.ts";

/**
 * Translates what `jwtVerify` throws for a bad token into `InvalidTokenError`,
 * keeping the original as `cause`. Returns undefined for anything else, which
 * the caller rethrows untouched (a bug stays a 500, not a 401). `expected`
 * (the configured issuer and audience) lets a refused `aud` say why.
 */
export function translateJoseError(
  error: unknown,
  expected?: { readonly issuer: string; readonly audience: string },
): InvalidTokenError | undefined {
  if (error instanceof errors.JWTExpired) {
    return new InvalidTokenError("ERR_TOKEN_EXPIRED", "token expired (exp)", { cause: error, claim: error.claim });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    // RFC 7519 §4.1.5: a failed nbf check means "not yet", not "invalid".
    const code: InvalidTokenCode =
      error.claim === "nbf" && error.reason === "check_failed" ? "ERR_TOKEN_NOT_YET_VALID" : "ERR_TOKEN_CLAIM_INVALID";
    const message =
      error.claim === "aud" && expected ? audienceMismatchReason(error.payload.aud, expected) : `claim ${error.claim}: ${error.reason}`;
    return new InvalidTokenError(code, message, { cause: error, claim: error.claim });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new InvalidTokenError("ERR_TOKEN_UNSUPPORTED", "alg is not in the configured allow-list", { cause: error, claim: "alg" });
  }
  if (error instanceof errors.JOSENotSupported) {
    // Unrecognised `crit` extensions (RFC 7515 §4.1.11) and algorithms jose lacks.
    return new InvalidTokenError("ERR_TOKEN_UNSUPPORTED", "token uses an unsupported JOSE feature", { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidTokenError("ERR_TOKEN_SIGNATURE", "signature verification failed", { cause: error });
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    // The kid exists but not for this alg/kty (or is ambiguous): no key to verify with.
    return new InvalidTokenError("ERR_TOKEN_KEY_UNKNOWN", "no single published key matches kid and alg", { cause: error, claim: "kid" });
  }
  if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKInvalid) {
    return new InvalidTokenError("ERR_TOKEN_KEY_UNKNOWN", "the published key for this kid is unusable", { cause: error, claim: "kid" });
  }
  if (error instanceof errors.JOSEError) {
    // JWSInvalid, JWTInvalid and any other jose verification failure concern the token itself.
    return new InvalidTokenError("ERR_TOKEN_MALFORMED", "token is not a well-formed JWT", { cause: error });
  }
  // jose throws TypeError when the resolved key cannot be used for the token's
  // alg — notably an RSA modulus under 2048 bits (RFC 7518 §3.3). The token
  // names that key, so this is a bad token, never a server error.
  if (error instanceof TypeError) {
    return new InvalidTokenError("ERR_TOKEN_UNSUPPORTED", "the token's key is not acceptable for its alg", { cause: error });
  }
  return undefined;
}
