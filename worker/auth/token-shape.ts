import { InvalidTokenError } from "./errors.ts";

/**
 * Largest accepted token, characters (ASCII, so also bytes). Authgent's
 * ES256 access tokens are well under 1 KiB; the limit bounds the work a
 * client can make us do before any signature is checked. 8 KiB.
 */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** RFC 4648 §5 alphabet, unpadded (RFC 7515 §2 "Base64url Encoding"). */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Characters allowed as the last of a segment whose length is 2 or 3 mod 4:
 * the unused low bits must be zero (RFC 4648 §3.5 canonical encoding), so
 * each byte string has exactly one accepted encoding.
 */
const CANONICAL_LAST_CHAR: Readonly<Record<number, RegExp>> = {
  2: /[AQgw]$/,
  3: /[AEIMQUYcgkosw048]$/,
};

/** The three segments of a JWS Compact Serialization (RFC 7515 §7.1). */
export interface CompactJwsSegments {
  readonly header: string;
  readonly payload: string;
  readonly signature: string;
}

/**
 * Checks that `token` is a compact JWS made of three strict base64url
 * segments, before anything decodes it: workerd's `atob` skips whitespace and
 * tolerates padding, so decoding first would accept tokens with several
 * spellings. The size limit is checked before even splitting.
 *
 * Throws `InvalidTokenError` with `ERR_TOKEN_TOO_LARGE`, `ERR_TOKEN_UNSUPPORTED`
 * (JWE, unsecured JWS) or `ERR_TOKEN_MALFORMED`.
 */
export function checkTokenShape(token: string): CompactJwsSegments {
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidTokenError("ERR_TOKEN_TOO_LARGE", `token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  const segments = token.split(".");
  // RFC 7516 §7.1: five segments is a JWE compact serialization; access tokens
  // here are signed, never encrypted.
  if (segments.length === 5) throw new InvalidTokenError("ERR_TOKEN_UNSUPPORTED", "encrypted tokens (JWE) are not accepted");
  const [header, payload, signature] = segments;
  if (segments.length !== 3 || header === undefined || payload === undefined || signature === undefined) {
    throw new InvalidTokenError("ERR_TOKEN_MALFORMED", "token is not a three-segment compact JWS");
  }
  // RFC 7519 §6 unsecured JWTs carry an empty signature; RFC 8725 §3.1 says never accept them.
  if (signature === "") throw new InvalidTokenError("ERR_TOKEN_UNSUPPORTED", "unsecured tokens (empty signature) are not accepted");
  for (const [name, segment] of [["header", header], ["payload", payload], ["signature", signature]] as const) {
    checkBase64url(name, segment);
  }
  return { header, payload, signature };
}

function checkBase64url(name: string, segment: string): void {
  if (!BASE64URL.test(segment)) {
    throw new InvalidTokenError("ERR_TOKEN_MALFORMED", `token ${name} is not unpadded base64url (RFC 7515 §2)`);
  }
  const remainder = segment.length % 4;
  // A single leftover character encodes fewer than 8 bits: no byte string has that encoding.
  if (remainder === 1) {
    throw new InvalidTokenError("ERR_TOKEN_MALFORMED", `token ${name} has an impossible base64url length`);
  }
  const lastChar = CANONICAL_LAST_CHAR[remainder];
  if (lastChar && !lastChar.test(segment)) {
    throw new InvalidTokenError("ERR_TOKEN_MALFORMED", `token ${name} is not canonical base64url (RFC 4648 §3.5)`);
  }
}
