import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { InsufficientScopeError } from "../auth/errors.ts";
import { hasScope } from "../auth/principal.ts";
import { toolError } from "../tools/tool.ts";
import { validate } from "../tools/validate.ts";
import type { McpContext } from "./context.ts";
import { JSONRPC_ERROR, JsonRpcError, isObject } from "./jsonrpc.ts";

/** Longest tool name echoed back in an error, characters. */
const MAX_ECHOED_NAME = 64;

/**
 * MCP "Tools" `tools/call`. Protocol errors (no such tool, malformed params)
 * are JSON-RPC -32602; bad arguments are a tool result with `isError` so the
 * model can correct itself (MCP 2025-11-25 "Error Handling"); a missing scope
 * is an HTTP 403 challenge so the client can step up.
 */
export async function callTool(params: unknown, context: McpContext): Promise<CallToolResult> {
  if (!isObject(params) || typeof params.name !== "string") {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: tools/call requires a tool name");
  }
  const tool = context.registry.find(params.name);
  if (!tool) {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, `Unknown tool: ${JSON.stringify(params.name.slice(0, MAX_ECHOED_NAME))}`);
  }
  // RFC 6750 §3.1 insufficient_scope; MCP 2025-11-25 "Scope Challenge Handling".
  if (!hasScope(context.principal, tool.requiredScope)) throw new InsufficientScopeError(tool.requiredScope);
  const args = params.arguments ?? {};
  if (!isObject(args)) {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: tools/call arguments must be an object");
  }
  const problems = validate(tool.inputSchema, args);
  if (problems.length > 0) return toolError(`Invalid arguments for tool ${tool.name}: ${problems.join("; ")}`);
  const actors = context.principal.actors ?? [];
  // RFC 8693 §4.1: a delegated call is recorded with who acted for whom, so
  // an operator can trace an agent's action back to the subject it served.
  if (actors.length > 0) {
    console.log(`delegated tools/call ${tool.name}: sub ${JSON.stringify(context.principal.subject)} via act ${actors.map((actor) => JSON.stringify(actor)).join(" <- ")}`);
  }
  return await tool.handler(args, { principal: context.principal, agent: context.agent });
}
