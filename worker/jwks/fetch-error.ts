/** Why a metadata or JWKS retrieval failed. */
export type JwksFetchFailure =
  | "network"
  | "timeout"
  | "http_status"
  | "too_large"
  | "not_json"
  | "invalid_metadata"
  | "invalid_jwks";

/**
 * Internal: a metadata or JWKS retrieval failed. The key store turns it into
 * `JwksUnavailableError` (no usable key) or keeps serving cached keys; it never
 * reaches the wire. Messages name the URL and the failure, never the body.
 */
export class JwksFetchError extends Error {
  constructor(
    readonly reason: JwksFetchFailure,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.name = "JwksFetchError";
    this.status = options?.status;
  }
  /** HTTP status, for `http_status`. */
  readonly status: number | undefined;
}
