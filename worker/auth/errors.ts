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

/** RFC 6750 §3.1 `invalid_token`. `message` is internal; the wire gets a generic description. */
export class InvalidTokenError extends AuthgentError {
  constructor(
    readonly code: InvalidTokenCode,
    message: string,
    options?: { cause?: unknown; claim?: string },
  ) {
    super(message, options);
    this.claim = options?.claim;
  }
  /** The JWT claim or header parameter at fault, when there is one. */
  readonly claim: string | undefined;
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
