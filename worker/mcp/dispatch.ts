import type { JSONRPCErrorResponse, JSONRPCResultResponse } from "@modelcontextprotocol/sdk/types.js";
import { AuthgentError } from "../errors.ts";
import { complete } from "./completion.ts";
import type { McpContext } from "./context.ts";
import { initialize } from "./initialize.ts";
import { JSONRPC_ERROR, JsonRpcError, errorMessage, isObject, resultMessage, type JsonRpcRequest } from "./jsonrpc.ts";
import { META_SERVER_INFO } from "./modern.ts";
import { isLogLevel, type LogLevels } from "./notifier.ts";
import { page } from "./pagination.ts";
import { getPrompt } from "./prompts.ts";
import { MODERN_PROTOCOL_VERSION } from "./protocol.ts";
import { readResource } from "./resources.ts";
import { callTool } from "./tools-call.ts";
import { isInputRequired } from "../kit/types.ts";

export interface Dispatched {
  readonly message: JSONRPCResultResponse | JSONRPCErrorResponse;
  /** Set by `initialize`: the new session's id for `Mcp-Session-Id`. */
  readonly sessionId?: string;
  /** 2026-07-28: an unknown method is HTTP 404 (streamable-http.mdx "Protocol Version Header"). */
  readonly notFound?: boolean;
}

type Result = Record<string, unknown>;

/** Methods of 2025 revisions only: 2026-07-28 removed the handshake, ping and logging/setLevel (changelog 2, 5). */
const LEGACY_ONLY = new Set(["initialize", "ping", "logging/setLevel"]);
/** Results 2026-07-28 marks cacheable (server/utilities/caching.mdx): they carry ttlMs and cacheScope. */
const CACHEABLE = new Set(["tools/list", "prompts/list", "resources/list", "resources/templates/list", "resources/read", "server/discover"]);

/**
 * Answers one JSON-RPC request. Protocol errors come back in-band; typed
 * `AuthgentError`s (insufficient scope, rate limit) propagate so that
 * `errorResponse` turns them into HTTP answers; anything else is logged and
 * becomes -32603 without internal detail.
 */
export async function dispatch(request: JsonRpcRequest, context: McpContext, logLevels: LogLevels): Promise<Dispatched> {
  const { server } = context;
  try {
    const known = context.modern ? !LEGACY_ONLY.has(request.method) : request.method !== "server/discover";
    if (!known) throw new JsonRpcError(JSONRPC_ERROR.methodNotFound, "Method not found");
    let result: Result;
    let sessionId: string | undefined;
    switch (request.method) {
      case "initialize":
        ({ result, sessionId } = await initialize(request.params, context));
        break;
      case "ping":
        result = {};
        break;
      case "logging/setLevel": {
        const level = isObject(request.params) ? request.params.level : undefined;
        if (!isLogLevel(level)) throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: level must be an RFC 5424 severity");
        logLevels.set(context.agent.objectName, level);
        result = {};
        break;
      }
      case "server/discover":
        result = {
          supportedVersions: [MODERN_PROTOCOL_VERSION],
          capabilities: server.capabilities,
          ...(server.instructions !== undefined ? { instructions: server.instructions } : {}),
        };
        break;
      case "tools/list": {
        const { items, nextCursor } = page(server.toolList, request.params, server.pageSize);
        result = { tools: items, ...(nextCursor ? { nextCursor } : {}) };
        break;
      }
      case "tools/call": {
        const outcome = await callTool(request.params, context);
        if (isInputRequired(outcome)) {
          // mrtr.mdx: a server MUST NOT send inputRequests the client has not declared support for.
          const undeclared = Object.values(outcome.inputRequests).some((r) => r.method === "elicitation/create" && !isObject(context.clientCapabilities.elicitation));
          if (context.modern && undeclared) {
            result = { content: [{ type: "text", text: "This tool needs the user's input first; use a client that supports elicitation." }], isError: true };
          } else if (!context.modern) {
            // 2025 revisions would need a server-initiated elicitation/create; this stateless server answers a tool error instead.
            const messages = Object.values(outcome.inputRequests).map((r) => r.params.message);
            result = { content: [{ type: "text", text: `This tool needs the user's input first (${messages.join("; ")}); use an MCP ${MODERN_PROTOCOL_VERSION} client.` }], isError: true };
          } else {
            result = { resultType: "input_required", inputRequests: outcome.inputRequests, ...(outcome.requestState !== undefined ? { requestState: outcome.requestState } : {}) };
          }
        } else {
          result = { ...outcome };
        }
        break;
      }
      case "resources/list": {
        const { items, nextCursor } = page(server.resourceList, request.params, server.pageSize);
        result = { resources: items, ...(nextCursor ? { nextCursor } : {}) };
        break;
      }
      case "resources/templates/list": {
        const { items, nextCursor } = page(server.templateList, request.params, server.pageSize);
        result = { resourceTemplates: items, ...(nextCursor ? { nextCursor } : {}) };
        break;
      }
      case "resources/read":
        result = { ...(await readResource(request.params, context)) };
        break;
      case "prompts/list": {
        const { items, nextCursor } = page(server.promptList, request.params, server.pageSize);
        result = { prompts: items, ...(nextCursor ? { nextCursor } : {}) };
        break;
      }
      case "prompts/get":
        result = { ...(await getPrompt(request.params, context)) };
        break;
      case "completion/complete":
        result = { ...(await complete(request.params, context)) };
        break;
      default:
        throw new JsonRpcError(JSONRPC_ERROR.methodNotFound, "Method not found");
    }
    if (context.modern) result = modernResult(request.method, result, context);
    return { message: resultMessage(request.id, result), ...(sessionId !== undefined ? { sessionId } : {}) };
  } catch (error) {
    if (error instanceof JsonRpcError) {
      return { message: errorMessage(request.id, error.jsonRpcCode, error.message), notFound: context.modern && error.jsonRpcCode === JSONRPC_ERROR.methodNotFound };
    }
    if (error instanceof AuthgentError) throw error;
    console.error(`mcp ${request.method} failed`, error);
    return { message: errorMessage(request.id, JSONRPC_ERROR.internalError, "Internal error") };
  }
}

/**
 * 2026-07-28: every result carries `resultType` (changelog 8) and SHOULD name
 * the server in `_meta` (changelog 2); cacheable ones carry `ttlMs` and
 * `cacheScope` (caching.mdx). "private": results are served only to
 * authenticated callers, so shared caches must not reuse them.
 */
function modernResult(method: string, result: Result, context: McpContext): Result {
  const meta = isObject(result._meta) ? result._meta : {};
  return {
    ...result,
    resultType: result.resultType ?? "complete",
    ...(CACHEABLE.has(method) && result.resultType === undefined ? { ttlMs: method === "resources/read" ? 0 : context.server.listTtlMs, cacheScope: "private" } : {}),
    _meta: { ...meta, [META_SERVER_INFO]: context.server.info },
  };
}
