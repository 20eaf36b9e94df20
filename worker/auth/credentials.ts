import { InvalidAuthRequestError, InvalidDpopProofError, TokenMissingError, type AuthScheme } from "./errors.ts";

/**
 * RFC 6750 §2.1 `b64token` (RFC 9449 §7.1 uses the same `token68` syntax):
 * the only characters an access token credential may use. Stricter base64url
 * checks follow in `token-shape.ts`.
 */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** An access token and the scheme that carried it. */
export interface Credentials {
  readonly scheme: AuthScheme;
  readonly token: string;
}

/**
 * Extracts the access token from the `Authorization` header, and only from
 * there: RFC 6750 §2.2/§2.3 form and query tokens are never read, because
 * URLs end up in logs and referrers. Both `Bearer` (RFC 6750 §2.1) and `DPoP`
 * (RFC 9449 §7.1) are recognised; which one is acceptable is `authenticate`'s
 * decision.
 *
 * Throws `TokenMissingError` when the request carries no such credential
 * (no header, or another scheme such as Basic), and `InvalidAuthRequestError`
 * (RFC 6750 §3.1 `invalid_request`) when the header is malformed.
 */
export function extractCredentials(headers: Headers): Credentials {
  const value = headers.get("authorization");
  if (value === null) throw new TokenMissingError("no Authorization header");
  // workerd's Headers joins repeated fields with ", " (RFC 9110 §5.3), and ","
  // is not a b64token character, so a comma means two Authorization headers:
  // RFC 6750 §3.1 makes more than one credential an invalid_request.
  if (value.includes(",")) {
    throw new InvalidAuthRequestError("more than one Authorization header or credential");
  }
  const space = value.indexOf(" ");
  const rawScheme = space === -1 ? value : value.slice(0, space);
  // RFC 9110 §11.1: the auth scheme is case-insensitive.
  const scheme = SCHEMES.get(rawScheme.toLowerCase());
  if (scheme === undefined) {
    if (rawScheme === "") throw new InvalidAuthRequestError("empty Authorization header");
    throw new TokenMissingError("Authorization header uses neither the Bearer nor the DPoP scheme");
  }
  // RFC 6750 §2.1 / RFC 9449 §7.1: scheme 1*SP token — exactly one token.
  const token = space === -1 ? "" : value.slice(space + 1).replace(/^ +/, "");
  if (token === "") throw new InvalidAuthRequestError(`${scheme} scheme without a token`);
  if (!B64TOKEN.test(token)) {
    throw new InvalidAuthRequestError(`${scheme} credential is not a single b64token (RFC 6750 §2.1)`);
  }
  return { scheme, token };
}

const SCHEMES: ReadonlyMap<string, AuthScheme> = new Map([
  ["bearer", "Bearer"],
  ["dpop", "DPoP"],
]);

/**
 * The request's single DPoP proof (RFC 9449 §4.3 check 1: "not more than one
 * DPoP HTTP request header field"). workerd joins repeated fields with ", ",
 * and a compact JWS has no comma, so a comma means two proofs.
 *
 * @throws InvalidDpopProofError `missing` or `multiple`
 */
export function extractDpopProof(headers: Headers): string {
  const value = headers.get("dpop");
  if (value === null || value.trim() === "") throw new InvalidDpopProofError("missing", "DPoP scheme without a DPoP proof header");
  if (value.includes(",")) throw new InvalidDpopProofError("multiple", "more than one DPoP proof header");
  return value.trim();
}
