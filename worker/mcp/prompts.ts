import type { GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import type { McpContext } from "./context.ts";
import { JSONRPC_ERROR, JsonRpcError, isObject } from "./jsonrpc.ts";
import { requireScope } from "./resources.ts";

const MAX_ECHOED_NAME = 64;

/** MCP "Prompts" `prompts/get`: unknown names and missing required arguments are -32602. */
export async function getPrompt(params: unknown, context: McpContext): Promise<GetPromptResult> {
  if (!isObject(params) || typeof params.name !== "string") {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: prompts/get requires a name");
  }
  const prompt = context.server.prompts.get(params.name);
  if (!prompt) throw new JsonRpcError(JSONRPC_ERROR.invalidParams, `Unknown prompt: ${JSON.stringify(params.name.slice(0, MAX_ECHOED_NAME))}`);
  requireScope(prompt.scope, context);
  const args = stringArguments(params.arguments);
  for (const argument of prompt.arguments ?? []) {
    if (argument.required && args[argument.name] === undefined) {
      throw new JsonRpcError(JSONRPC_ERROR.invalidParams, `Invalid params: prompt ${prompt.name} requires argument ${JSON.stringify(argument.name)}`);
    }
  }
  return { ...(await prompt.get(args, context.handler)) };
}

/** Prompt and completion arguments are string maps (MCP schema); anything else is -32602. */
export function stringArguments(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: arguments must be an object of strings");
  const out: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== "string") throw new JsonRpcError(JSONRPC_ERROR.invalidParams, `Invalid params: argument ${JSON.stringify(name.slice(0, MAX_ECHOED_NAME))} must be a string`);
    out[name] = item;
  }
  return out;
}
