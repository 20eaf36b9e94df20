import type { JSONRPCErrorResponse, JSONRPCResultResponse } from "@modelcontextprotocol/sdk/types.js";
import { AuthgentError } from "../errors.ts";
import type { McpContext } from "./context.ts";
import { initialize } from "./initialize.ts";
import { JSONRPC_ERROR, JsonRpcError, errorMessage, resultMessage, type JsonRpcRequest } from "./jsonrpc.ts";
import { callTool } from "./tools-call.ts";

export interface Dispatched {
  readonly message: JSONRPCResultResponse | JSONRPCErrorResponse;
  /** Set by `initialize`: the new session's id for `Mcp-Session-Id`. */
  readonly sessionId?: string;
}

/**
 * Answers one JSON-RPC request. Protocol errors come back in-band; typed
 * `AuthgentError`s (insufficient scope, rate limit) propagate so that
 * `errorResponse` turns them into HTTP answers; anything else is logged and
 * becomes -32603 without internal detail.
 */
export async function dispatch(request: JsonRpcRequest, context: McpContext): Promise<Dispatched> {
  try {
    switch (request.method) {
      case "initialize": {
        const { result, sessionId } = await initialize(request.params, context);
        return { message: resultMessage(request.id, result), sessionId };
      }
      case "ping":
        return { message: resultMessage(request.id, {}) };
      case "tools/list":
        // One page holds every tool, so `cursor` is ignored and no nextCursor is sent.
        return { message: resultMessage(request.id, context.registry.listResult) };
      case "tools/call":
        return { message: resultMessage(request.id, await callTool(request.params, context)) };
      default:
        throw new JsonRpcError(JSONRPC_ERROR.methodNotFound, "Method not found");
    }
  } catch (error) {
    if (error instanceof JsonRpcError) return { message: errorMessage(request.id, error.jsonRpcCode, error.message) };
    if (error instanceof AuthgentError) throw error;
    console.error(`mcp ${request.method} failed`, error);
    return { message: errorMessage(request.id, JSONRPC_ERROR.internalError, "Internal error") };
  }
}
