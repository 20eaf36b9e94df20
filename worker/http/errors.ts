import { AuthgentError } from "../errors.ts";

/** No route for this path. */
export class NotFoundError extends AuthgentError {
  readonly code = "ERR_NOT_FOUND";
  constructor() {
    super("not found");
  }
}

/** RFC 9110 §15.5.6: the response must list the allowed methods in `Allow`. */
export class MethodNotAllowedError extends AuthgentError {
  readonly code = "ERR_METHOD_NOT_ALLOWED";
  constructor(readonly allow: readonly string[]) {
    super(`method not allowed; allowed: ${allow.join(", ")}`);
  }
}

/**
 * MCP Streamable HTTP (2025-11-25) "Security Warning": an `Origin` that is
 * present and not allowed gets 403, against DNS rebinding.
 */
export class OriginForbiddenError extends AuthgentError {
  readonly code = "ERR_ORIGIN_FORBIDDEN";
  constructor() {
    // The origin itself stays out of the message: it is client input.
    super("origin not allowed");
  }
}

/** RFC 9110 §15.5.14. */
export class BodyTooLargeError extends AuthgentError {
  readonly code = "ERR_BODY_TOO_LARGE";
  constructor(
    /** The limit that was exceeded, bytes. */
    readonly limitBytes: number,
  ) {
    super(`request body exceeds ${limitBytes} bytes`);
  }
}

/**
 * The request body ended before its declared framing said it would: the client
 * disconnected or aborted mid-upload. A client error, not a server fault; the
 * answer (400) usually has nobody left to read it.
 */
export class BodyIncompleteError extends AuthgentError {
  readonly code = "ERR_BODY_INCOMPLETE";
  constructor(options?: { cause?: unknown }) {
    super("request body incomplete: the client disconnected before sending all of it", options);
  }
}

/** RFC 9110 §15.5.16: MCP messages are JSON. */
export class UnsupportedMediaTypeError extends AuthgentError {
  readonly code = "ERR_UNSUPPORTED_MEDIA_TYPE";
  constructor() {
    super("Content-Type must be application/json");
  }
}
