import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { InsufficientScopeError } from "../auth/errors.ts";
import { hasScope } from "../auth/principal.ts";
import { isInputRequired, type InputRequired } from "../kit/types.ts";
import { toolError } from "../kit/results.ts";
import type { McpContext } from "./context.ts";
import { JSONRPC_ERROR, JsonRpcError, isObject } from "./jsonrpc.ts";

/** Longest tool name echoed back in an error, characters. */
const MAX_ECHOED_NAME = 64;

/** What `tools/call` answers: a result, or (2026-07-28 MRTR) a request for input. */
export type ToolCallOutcome = CallToolResult | InputRequired;

/**
 * MCP "Tools" `tools/call`. Protocol errors (no such tool, malformed params)
 * are JSON-RPC -32602; bad arguments are a tool result with `isError` so the
 * model can correct itself (MCP 2025-11-25 "Error Handling"); a missing scope
 * is an HTTP 403 challenge so the client can step up.
 */
export async function callTool(params: unknown, context: McpContext): Promise<ToolCallOutcome> {
  if (!isObject(params) || typeof params.name !== "string") {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: tools/call requires a tool name");
  }
  const tool = context.server.tools.get(params.name);
  if (!tool) {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, `Unknown tool: ${JSON.stringify(params.name.slice(0, MAX_ECHOED_NAME))}`);
  }
  const { definition } = tool;
  // RFC 6750 §3.1 insufficient_scope; MCP 2025-11-25 "Scope Challenge Handling".
  if (!hasScope(context.principal, definition.scope)) throw new InsufficientScopeError(definition.scope);
  const args = params.arguments ?? {};
  if (!isObject(args)) {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: tools/call arguments must be an object");
  }
  const problems = tool.input.check(args);
  if (problems.length > 0) return toolError(`Invalid arguments for tool ${definition.name}: ${problems.join("; ")}`);
  const actors = context.principal.actors ?? [];
  // RFC 8693 §4.1: a delegated call is recorded with who acted for whom, so
  // an operator can trace an agent's action back to the subject it served.
  if (actors.length > 0) {
    console.log(`delegated tools/call ${definition.name}: sub ${JSON.stringify(context.principal.subject)} via act ${actors.map((actor) => JSON.stringify(actor)).join(" <- ")}`);
  }
  const inputResponses = context.modern && isObject(params.inputResponses) ? params.inputResponses : undefined;
  const requestState = context.modern && typeof params.requestState === "string" ? params.requestState : undefined;
  const outcome = await definition.handler(args, { ...context.handler, inputResponses, requestState });
  if (isInputRequired(outcome)) return outcome;
  // MCP "Structured Content": with an outputSchema, a successful result MUST carry conforming structuredContent.
  if (tool.output && !outcome.isError) {
    const problems = outcome.structuredContent === undefined ? ["structuredContent is missing"] : tool.output.check(outcome.structuredContent);
    if (problems.length > 0) {
      console.error(`tool ${definition.name} returned structuredContent that does not match its outputSchema: ${problems.join("; ")}`);
      throw new JsonRpcError(JSONRPC_ERROR.internalError, "Internal error");
    }
  }
  return outcome;
}
