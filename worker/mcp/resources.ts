import type { ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { InsufficientScopeError } from "../auth/errors.ts";
import { hasScope } from "../auth/principal.ts";
import type { McpContext } from "./context.ts";
import { JSONRPC_ERROR, JsonRpcError, isObject } from "./jsonrpc.ts";

/** Longest URI echoed back in an error, characters. */
const MAX_ECHOED_URI = 128;

/**
 * MCP "Resources" `resources/read`: a listed resource first, then the first
 * template that matches. Unknown URIs are -32602 (2026-07-28 changelog minor
 * change 6; earlier revisions used -32002, which the 2025 SDKs also accept as
 * an error), with the URI in `data`.
 */
export async function readResource(params: unknown, context: McpContext): Promise<ReadResourceResult> {
  if (!isObject(params) || typeof params.uri !== "string") {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: resources/read requires a uri");
  }
  const uri = params.uri;
  const resource = context.server.resources.get(uri);
  if (resource) {
    requireScope(resource.scope, context);
    return { contents: await resource.read(uri, context.handler) };
  }
  for (const template of context.server.templates) {
    const variables = template.match(uri);
    if (variables === null) continue;
    requireScope(template.definition.scope, context);
    return { contents: await template.definition.read(uri, variables, context.handler) };
  }
  throw new JsonRpcError(JSONRPC_ERROR.invalidParams, `Resource not found: ${JSON.stringify(uri.slice(0, MAX_ECHOED_URI))}`);
}

export function requireScope(scope: string | undefined, context: McpContext): void {
  // RFC 6750 §3.1 insufficient_scope, as for tools.
  if (scope !== undefined && !hasScope(context.principal, scope)) throw new InsufficientScopeError(scope);
}
