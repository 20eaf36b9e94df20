/**
 * Every failure the worker can translate to the wire carries a stable `code`.
 * Callers switch on `code`, never on message text. Messages are for logs and
 * never contain tokens, secrets or upstream bodies.
 */
export type AuthgentErrorCode =
  // configuration (→ 503, names the variable)
  | "ERR_CONFIG"
  // request shape (→ 400)
  | "ERR_AUTH_REQUEST_INVALID"
  // no credentials (→ 401 without error=)
  | "ERR_TOKEN_MISSING"
  | InvalidTokenCode
  // RFC 9449 §7.1 invalid_dpop_proof (→ 401) and §9 use_dpop_nonce (→ 401 + DPoP-Nonce)
  | "ERR_DPOP_PROOF_INVALID"
  | "ERR_DPOP_NONCE_REQUIRED"
  // verification impossible right now: no usable key, or no DPoP replay verdict (→ 503 + Retry-After)
  | "ERR_JWKS_UNAVAILABLE"
  | "ERR_DPOP_LEDGER_UNAVAILABLE"
  // authenticated but not allowed (→ 403 error="insufficient_scope")
  | "ERR_INSUFFICIENT_SCOPE"
  // per-user limit (→ 429 + Retry-After)
  | "ERR_RATE_LIMITED"
  // HTTP transport (worker/http/errors.ts)
  | "ERR_NOT_FOUND"
  | "ERR_METHOD_NOT_ALLOWED"
  | "ERR_ORIGIN_FORBIDDEN"
  | "ERR_BODY_TOO_LARGE"
  | "ERR_BODY_INCOMPLETE"
  | "ERR_UNSUPPORTED_MEDIA_TYPE"
  // MCP Streamable HTTP transport (worker/mcp/errors.ts)
  | "ERR_MCP_INVALID_MESSAGE"
  | "ERR_MCP_PROTOCOL_VERSION"
  | "ERR_MCP_SESSION_REQUIRED"
  | "ERR_MCP_SESSION_NOT_FOUND";

export abstract class AuthgentError extends Error {
  abstract readonly code: AuthgentErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A worker var is missing or malformed. */
export class ConfigError extends AuthgentError {
  readonly code = "ERR_CONFIG";
  constructor(
    /** The offending variable, e.g. `AUTHGENT_ISSUER`. */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** Credentials presented but unacceptable (→ 401 error="invalid_token"); see `auth/errors.ts`. */
export type InvalidTokenCode =
  | "ERR_TOKEN_MALFORMED"
  | "ERR_TOKEN_TOO_LARGE"
  | "ERR_TOKEN_UNSUPPORTED"
  | "ERR_TOKEN_SIGNATURE"
  | "ERR_TOKEN_KEY_UNKNOWN"
  | "ERR_TOKEN_EXPIRED"
  | "ERR_TOKEN_NOT_YET_VALID"
  | "ERR_TOKEN_CLAIM_INVALID"
  // RFC 9449 §7.1/§7.2: the token's key binding does not fit the scheme or the proof
  | "ERR_TOKEN_BINDING";
