import { AuthgentError } from "../errors.ts";
import type { JsonRpcErrorCode, JsonRpcId } from "./jsonrpc.ts";

/**
 * A message the transport cannot process at all (unparseable JSON, a batch, a
 * non-JSON-RPC object). Answered with HTTP 400 and a JSON-RPC error body, as
 * the MCP SDK's own server does.
 */
export class InvalidMessageError extends AuthgentError {
  readonly code = "ERR_MCP_INVALID_MESSAGE";
  constructor(
    readonly jsonRpcCode: JsonRpcErrorCode,
    message: string,
    /** The request's id when it could be read (JSON-RPC 2.0 §5: else null). */
    readonly id: JsonRpcId | null = null,
  ) {
    super(message);
  }
}

/** MCP 2025-06-18+ "Protocol Version Header": unsupported or invalid → 400. */
export class UnsupportedProtocolVersionError extends AuthgentError {
  readonly code = "ERR_MCP_PROTOCOL_VERSION";
  constructor(
    readonly supported: readonly string[],
    /** What the request declared (attacker-controlled; echoed only as JSON data, truncated). */
    readonly requested?: string,
  ) {
    super(`unsupported MCP-Protocol-Version; supported: ${supported.join(", ")}`);
  }
}

/**
 * An MCP 2026-07-28 Streamable HTTP error answered with its own HTTP status
 * and an in-band JSON-RPC error: a header that does not match the body
 * (400, -32020 HeaderMismatch), an unsupported revision (400, -32022
 * UnsupportedProtocolVersion with `data.supported`), an unknown method
 * (404, -32601). Rendered by `handler.ts`, so it is not an `AuthgentError`.
 */
export class McpHttpError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly jsonRpcCode: number,
    message: string,
    readonly id: JsonRpcId | null,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "McpHttpError";
  }

  toResponse(): Response {
    const error = { code: this.jsonRpcCode, message: this.message, ...(this.data !== undefined ? { data: this.data } : {}) };
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: this.id, error }), {
      status: this.status,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  }
}

/** An operation that needs a session (DELETE /mcp) came without `Mcp-Session-Id`. */
export class SessionRequiredError extends AuthgentError {
  readonly code = "ERR_MCP_SESSION_REQUIRED";
  constructor() {
    super("Mcp-Session-Id header is required");
  }
}

/** MCP "Session Management" §3–4: an unknown or ended session → 404; the client re-initializes. */
export class SessionNotFoundError extends AuthgentError {
  readonly code = "ERR_MCP_SESSION_NOT_FOUND";
  constructor() {
    super("session not found");
  }
}
