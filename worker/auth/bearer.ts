import { InvalidAuthRequestError, TokenMissingError } from "./errors.ts";

/**
 * RFC 6750 §2.1 `b64token`: the only characters a bearer credential may use.
 * Stricter base64url checks follow in `token-shape.ts`.
 */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Extracts the bearer token from the `Authorization` header, and only from
 * there: RFC 6750 §2.2/§2.3 form and query tokens are never read, because
 * URLs end up in logs and referrers.
 *
 * Throws `TokenMissingError` when the request carries no bearer credential
 * (no header, or another scheme such as Basic), and `InvalidAuthRequestError`
 * (RFC 6750 §3.1 `invalid_request`) when the header is malformed.
 */
export function extractBearerToken(headers: Headers): string {
  const value = headers.get("authorization");
  if (value === null) throw new TokenMissingError("no Authorization header");
  // workerd's Headers joins repeated fields with ", " (RFC 9110 §5.3), and ","
  // is not a b64token character, so a comma means two Authorization headers:
  // RFC 6750 §3.1 makes more than one credential an invalid_request.
  if (value.includes(",")) {
    throw new InvalidAuthRequestError("more than one Authorization header or credential");
  }
  const space = value.indexOf(" ");
  const scheme = space === -1 ? value : value.slice(0, space);
  // RFC 9110 §11.1: the auth scheme is case-insensitive.
  if (scheme.toLowerCase() !== "bearer") {
    if (scheme === "") throw new InvalidAuthRequestError("empty Authorization header");
    throw new TokenMissingError("Authorization header does not use the Bearer scheme");
  }
  // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token — exactly one token.
  const token = space === -1 ? "" : value.slice(space + 1).replace(/^ +/, "");
  if (token === "") throw new InvalidAuthRequestError("Bearer scheme without a token");
  if (!B64TOKEN.test(token)) {
    throw new InvalidAuthRequestError("Bearer credential is not a single b64token (RFC 6750 §2.1)");
  }
  return token;
}
