/**
 * JSON-RPC 2.0 framing for MCP over Streamable HTTP: classifying one incoming
 * message and building responses. Shapes follow the MCP schema
 * (`@modelcontextprotocol/sdk/types.js`), whose runtime validators are left
 * out of the bundle on purpose (size and speed); tests validate our output
 * with them instead.
 */
import type { JSONRPCErrorResponse, JSONRPCResultResponse, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { InvalidMessageError } from "./errors.ts";

/** MCP: request ids are strings or numbers, never null. */
export type JsonRpcId = RequestId;

/** JSON-RPC 2.0 §5.1 pre-defined error codes. */
export const JSONRPC_ERROR = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
} as const;
export type JsonRpcErrorCode = (typeof JSONRPC_ERROR)[keyof typeof JSONRPC_ERROR];

export interface JsonRpcRequest {
  readonly kind: "request";
  readonly id: JsonRpcId;
  readonly method: string;
  /** Raw `params`: absent, an object or (valid JSON-RPC, never valid MCP) an array. */
  readonly params: unknown;
}

/** Notifications and responses from the client need no answer beyond 202. */
export interface JsonRpcNoReply {
  readonly kind: "notification" | "response";
  readonly method: string | undefined;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNoReply;

/**
 * An error answered in-band (HTTP 200 with a JSON-RPC error). Thrown by method
 * handlers and caught by the dispatcher; never reaches `errorResponse`.
 */
export class JsonRpcError extends Error {
  constructor(
    readonly jsonRpcCode: JsonRpcErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "JsonRpcError";
  }
}

/**
 * Classifies one message. Throws `InvalidMessageError` for anything the
 * transport must refuse with HTTP 400: unparseable JSON (-32700), batches and
 * objects that are not JSON-RPC 2.0 messages (-32600).
 */
export function parseMessage(text: string): JsonRpcMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON-RPC 2.0 §5.1: the id cannot be known, so it is null.
    throw new InvalidMessageError(JSONRPC_ERROR.parseError, "Parse error: body is not valid JSON");
  }
  // MCP 2025-06-18 removed JSON-RPC batching; one message per POST.
  if (Array.isArray(value)) {
    throw new InvalidMessageError(JSONRPC_ERROR.invalidRequest, "Invalid Request: batches are not supported; send one message per request");
  }
  if (!isObject(value)) {
    throw new InvalidMessageError(JSONRPC_ERROR.invalidRequest, "Invalid Request: a JSON-RPC message must be an object");
  }
  const id = validId(value.id) ? value.id : null;
  if (value.jsonrpc !== "2.0") {
    throw new InvalidMessageError(JSONRPC_ERROR.invalidRequest, 'Invalid Request: "jsonrpc" must be "2.0"', id);
  }
  const hasId = "id" in value;
  if (hasId && !validId(value.id)) {
    throw new InvalidMessageError(JSONRPC_ERROR.invalidRequest, 'Invalid Request: "id" must be a string or a number', null);
  }
  if ("method" in value) {
    if (typeof value.method !== "string" || value.method === "") {
      throw new InvalidMessageError(JSONRPC_ERROR.invalidRequest, 'Invalid Request: "method" must be a non-empty string', id);
    }
    // JSON-RPC 2.0 §4.2: params, when present, is a structured value.
    if ("params" in value && !(isObject(value.params) || Array.isArray(value.params))) {
      throw new InvalidMessageError(JSONRPC_ERROR.invalidRequest, 'Invalid Request: "params" must be an object', id);
    }
    if (id === null) return { kind: "notification", method: value.method };
    return { kind: "request", id, method: value.method, params: value.params };
  }
  // JSON-RPC 2.0 §5: a response carries an id and exactly one of result/error.
  if (hasId && ("result" in value) !== ("error" in value)) return { kind: "response", method: undefined };
  throw new InvalidMessageError(JSONRPC_ERROR.invalidRequest, "Invalid Request: not a JSON-RPC request, notification or response", id);
}

export function resultMessage(id: JsonRpcId, result: JSONRPCResultResponse["result"]): JSONRPCResultResponse {
  return { jsonrpc: "2.0", id, result };
}

/** An in-band error answer to a request whose id is known. */
export function errorMessage(id: JsonRpcId, code: number, message: string): JSONRPCErrorResponse {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function validId(value: unknown): value is JsonRpcId {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}
