/**
 * MCP 2026-07-28 request envelope (basic/transports/streamable-http.mdx
 * "Request Metadata", "Server Validation"; basic/versioning.mdx): the
 * revision, client capabilities and log level travel in each request's
 * `_meta`, and `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` mirror
 * the body so intermediaries can route on headers. A header that is missing
 * or disagrees with the body is 400 with -32020 HeaderMismatch.
 */
import type { LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import type { CompiledServer } from "../kit/compile.ts";
import { headerMatches, valueAt } from "../kit/param-headers.ts";
import { McpHttpError } from "./errors.ts";
import { isObject, type JsonRpcRequest } from "./jsonrpc.ts";
import { isLogLevel } from "./notifier.ts";
import { MODERN_PROTOCOL_VERSION } from "./protocol.ts";

export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
export const META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
export const META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
export const META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";

/** basic/index.mdx "Error Codes": the MCP-reserved range. */
export const HEADER_MISMATCH = -32020;
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** Methods whose `Mcp-Name` mirrors `params.name` or `params.uri`. */
const NAMED: Readonly<Record<string, "name" | "uri">> = { "tools/call": "name", "prompts/get": "name", "resources/read": "uri" };

/** Longest header value echoed in an error, characters. */
const MAX_ECHO = 64;

export interface ModernEnvelope {
  readonly clientCapabilities: Record<string, unknown>;
  /** Absent: the server MUST NOT send `notifications/message` (server/utilities/logging.mdx). */
  readonly logLevel: LoggingLevel | undefined;
}

/** The `_meta` of a request's params, if any. */
export function metaOf(request: JsonRpcRequest): Record<string, unknown> | undefined {
  return isObject(request.params) && isObject(request.params._meta) ? request.params._meta : undefined;
}

/** True when the body declares 2026-07-28 in `_meta`, whatever the headers say. */
export function declaresModern(request: JsonRpcRequest): boolean {
  return metaOf(request)?.[META_PROTOCOL_VERSION] === MODERN_PROTOCOL_VERSION;
}

/**
 * "Server Behavior for Custom Headers": each `x-mcp-header` parameter with a
 * value in the arguments needs its `Mcp-Param-{Name}` header, equal after
 * decoding; a missing or different one is 400 -32020. Null or absent values
 * expect no header.
 */
export function checkParamHeaders(request: JsonRpcRequest, headers: Headers, server: CompiledServer): void {
  if (request.method !== "tools/call" || !isObject(request.params) || typeof request.params.name !== "string") return;
  const tool = server.tools.get(request.params.name);
  if (!tool) return;
  for (const param of tool.paramHeaders) {
    const value = valueAt(request.params.arguments, param.path);
    if (value === undefined || value === null) continue;
    const raw = headers.get(`mcp-param-${param.name}`);
    const decoded = raw === null ? null : decodeHeaderValue(raw);
    if (decoded === null || !headerMatches(decoded, value, param.type)) {
      throw new McpHttpError(400, HEADER_MISMATCH, `Header mismatch: Mcp-Param-${param.name} ${raw === null ? "is required" : "does not match the argument"}`, request.id);
    }
  }
}

/** Checks a 2026-07-28 request's headers against its body; throws `McpHttpError` on any mismatch. */
export function readModernEnvelope(request: JsonRpcRequest, headers: Headers): ModernEnvelope {
  const mismatch = (message: string): McpHttpError => new McpHttpError(400, HEADER_MISMATCH, `Header mismatch: ${message}`, request.id);
  const meta = metaOf(request);
  const bodyVersion = meta?.[META_PROTOCOL_VERSION];
  if (bodyVersion !== MODERN_PROTOCOL_VERSION) {
    throw mismatch(`MCP-Protocol-Version is ${MODERN_PROTOCOL_VERSION} but params._meta["${META_PROTOCOL_VERSION}"] is ${JSON.stringify(bodyVersion ?? null)}`);
  }
  const method = headers.get("mcp-method");
  if (method === null) throw mismatch("the Mcp-Method header is required");
  if (method !== request.method) throw mismatch(`Mcp-Method ${JSON.stringify(method.slice(0, MAX_ECHO))} does not match the body's method`);
  const source = NAMED[request.method];
  if (source !== undefined) {
    const header = headers.get("mcp-name");
    if (header === null) throw mismatch(`the Mcp-Name header is required for ${request.method}`);
    const name = decodeHeaderValue(header);
    const bodyValue = isObject(request.params) ? request.params[source] : undefined;
    if (name === null) throw mismatch("Mcp-Name is not a valid =?base64?…?= value");
    if (name !== bodyValue) throw mismatch(`Mcp-Name does not match params.${source}`);
  }
  const capabilities = meta?.[META_CLIENT_CAPABILITIES];
  const level = meta?.[META_LOG_LEVEL];
  return {
    clientCapabilities: isObject(capabilities) ? capabilities : {},
    logLevel: isLogLevel(level) ? level : undefined,
  };
}

/**
 * "Value Encoding": `=?base64?…?=` carries UTF-8 as Base64; anything else is
 * the value itself. Null for a sentinel that is not valid Base64 UTF-8.
 */
export function decodeHeaderValue(value: string): string | null {
  if (!(value.startsWith("=?base64?") && value.endsWith("?=") && value.length >= 11)) return value;
  try {
    const binary = atob(value.slice(9, -2));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}
