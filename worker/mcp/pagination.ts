/**
 * MCP "Pagination": opaque cursors. Ours encode the offset of the next page
 * (lists are fixed at build time, so an offset is stable); a cursor we did
 * not issue is -32602 Invalid params, as the spec asks.
 */
import { JSONRPC_ERROR, JsonRpcError, isObject } from "./jsonrpc.ts";

const PREFIX = "o:";

export function page<T>(items: readonly T[], params: unknown, pageSize: number): { items: T[]; nextCursor?: string } {
  const cursor = isObject(params) ? params.cursor : undefined;
  let offset = 0;
  if (cursor !== undefined) {
    const decoded = typeof cursor === "string" ? decode(cursor) : null;
    if (decoded === null || decoded > items.length) throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: unknown cursor");
    offset = decoded;
  }
  const end = offset + pageSize;
  return { items: items.slice(offset, end), ...(end < items.length ? { nextCursor: btoa(`${PREFIX}${end}`) } : {}) };
}

function decode(cursor: string): number | null {
  let text: string;
  try {
    text = atob(cursor);
  } catch {
    return null;
  }
  if (!text.startsWith(PREFIX)) return null;
  const offset = Number(text.slice(PREFIX.length));
  return Number.isSafeInteger(offset) && offset >= 0 ? offset : null;
}
