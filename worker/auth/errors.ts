import { AuthgentError, type InvalidTokenCode } from "../errors.ts";

/** RFC 6750 §3.1 `invalid_request`: e.g. two Authorization headers. */
export class InvalidAuthRequestError extends AuthgentError {
  readonly code = "ERR_AUTH_REQUEST_INVALID";
}

/** RFC 6750 §3.1: no credentials, so the challenge carries no error code. */
export class TokenMissingError extends AuthgentError {
  readonly code = "ERR_TOKEN_MISSING";
}

export type { InvalidTokenCode };

/** The HTTP authentication schemes `/mcp` understands (RFC 6750, RFC 9449 §7.1). */
export type AuthScheme = "Bearer" | "DPoP";

/** RFC 6750 §3.1 `invalid_token`. `message` is internal; the wire gets a generic description. */
export class InvalidTokenError extends AuthgentError {
  constructor(
    readonly code: InvalidTokenCode,
    message: string,
    options?: { cause?: unknown; claim?: string; scheme?: AuthScheme },
  ) {
    super(message, options);
    this.claim = options?.claim;
    this.scheme = options?.scheme ?? "Bearer";
  }
  /** The JWT claim or header parameter at fault, when there is one. */
  readonly claim: string | undefined;
  /** The scheme whose challenge carries the error (RFC 9449 §7.1). @default "Bearer" */
  readonly scheme: AuthScheme;
}

/**
 * The same failure, reported under `scheme`: token checks do not know which
 * scheme carried the token, `authenticate` does.
 */
export function underScheme(error: InvalidTokenError, scheme: AuthScheme): InvalidTokenError {
  if (error.scheme === scheme) return error;
  return new InvalidTokenError(error.code, error.message, { cause: error.cause, claim: error.claim, scheme });
}

/**
 * The RFC 9449 §4.3 check a DPoP proof failed. Stable, so tests and logs can
 * name it; the client sees a generic description per check.
 */
export type DpopProofCheck =
  | "missing"
  | "multiple"
  | "malformed"
  | "typ"
  | "alg"
  | "jwk"
  | "signature"
  | "claims"
  | "htm"
  | "htu"
  | "iat"
  | "ath"
  | "jti"
  | "replayed";

/** RFC 9449 §7.1 `invalid_dpop_proof`. `message` is internal and never holds proof content. */
export class InvalidDpopProofError extends AuthgentError {
  readonly code = "ERR_DPOP_PROOF_INVALID";
  constructor(
    readonly check: DpopProofCheck,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** RFC 9449 §9: the proof lacks the current server nonce; the client retries with `nonce`. */
export class DpopNonceRequiredError extends AuthgentError {
  readonly code = "ERR_DPOP_NONCE_REQUIRED";
  constructor(
    /** The nonce to send back in `DPoP-Nonce`. */
    readonly nonce: string,
  ) {
    super("DPoP proof lacks the current server nonce");
  }
}

/**
 * The DPoP replay ledger gave no verdict (the Durable Object call failed or
 * never answered): the proof cannot be shown unused, so the request is refused
 * (fail closed) and the client may retry with a new proof.
 */
export class DpopLedgerUnavailableError extends AuthgentError {
  readonly code = "ERR_DPOP_LEDGER_UNAVAILABLE";
  /** Seconds a client should wait before retrying. */
  readonly retryAfterSeconds = 1;
}

/** No usable verification key and the issuer cannot be reached: fail closed. */
export class JwksUnavailableError extends AuthgentError {
  readonly code = "ERR_JWKS_UNAVAILABLE";
  constructor(
    message: string,
    /** Seconds a client should wait before retrying. */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** RFC 6750 §3.1 `insufficient_scope`; MCP 2025-11-25 step-up authorization. */
export class InsufficientScopeError extends AuthgentError {
  readonly code = "ERR_INSUFFICIENT_SCOPE";
  constructor(
    /** Space-separated scopes the client must obtain. */
    readonly requiredScope: string,
  ) {
    super(`scope "${requiredScope}" required`);
  }
}

export class RateLimitedError extends AuthgentError {
  readonly code = "ERR_RATE_LIMITED";
  constructor(readonly retryAfterSeconds: number) {
    super("rate limit exceeded");
  }
}
