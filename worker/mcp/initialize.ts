import type { InitializeResult } from "@modelcontextprotocol/sdk/types.js";
import { JSONRPC_ERROR, JsonRpcError, isObject } from "./jsonrpc.ts";
import { negotiateProtocolVersion } from "./protocol.ts";
import type { McpContext } from "./context.ts";

/** Longest `clientInfo.name` kept with a session, characters. */
const MAX_CLIENT_NAME = 200;

/**
 * MCP lifecycle "Initialization" (2025 revisions): negotiates the revision,
 * opens a session in the caller's Durable Object and returns its id for
 * `Mcp-Session-Id`.
 */
export async function initialize(params: unknown, context: McpContext): Promise<{ result: InitializeResult; sessionId: string }> {
  if (!isObject(params) || typeof params.protocolVersion !== "string") {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: initialize requires a protocolVersion string");
  }
  const protocolVersion = negotiateProtocolVersion(params.protocolVersion);
  const clientName = isObject(params.clientInfo) && typeof params.clientInfo.name === "string" ? params.clientInfo.name.slice(0, MAX_CLIENT_NAME) : null;
  const sessionId = await context.agent.createSession({
    clientId: context.principal.clientId ?? null,
    clientName,
    protocolVersion,
  });
  context.sessions.add(context.agent.objectName, sessionId);
  const { server } = context;
  return {
    result: {
      protocolVersion,
      capabilities: server.capabilities,
      serverInfo: { ...server.info, title: context.config.resourceName },
      ...(server.instructions !== undefined ? { instructions: server.instructions } : {}),
    },
    sessionId,
  };
}
