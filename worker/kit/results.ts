import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { InputRequest, InputRequired, JsonObjectSchema } from "./types.ts";

export function textResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }] };
}

/** A result with `structuredContent` and, for clients that read only `content`, its JSON as text (MCP "Structured Content"). */
export function structuredResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

/** MCP "Error Handling": a tool execution error the model can read and act on. */
export function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/**
 * MCP 2026-07-28 "Multi Round-Trip Requests": answer `tools/call` with
 * `resultType: "input_required"`; the client asks the user and retries the
 * call with `inputResponses` (and `requestState`, echoed unchanged). The
 * state passes through the client: treat it as attacker-controlled and
 * protect its integrity if it grants anything (mrtr.mdx "Server requirements").
 */
export function inputRequired(inputRequests: Record<string, InputRequest>, requestState?: string): InputRequired {
  return { "~kit": "input-required", inputRequests, ...(requestState !== undefined ? { requestState } : {}) };
}

/** An `elicitation/create` form request for `inputRequired`. */
export function elicit(message: string, requestedSchema: JsonObjectSchema): InputRequest {
  return { method: "elicitation/create", params: { mode: "form", message, requestedSchema } };
}
