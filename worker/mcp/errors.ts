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
  constructor(readonly supported: readonly string[]) {
    super(`unsupported MCP-Protocol-Version; supported: ${supported.join(", ")}`);
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
