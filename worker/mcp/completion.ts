import type { CompleteResult } from "@modelcontextprotocol/sdk/types.js";
import type { Completer } from "../kit/types.ts";
import type { McpContext } from "./context.ts";
import { JSONRPC_ERROR, JsonRpcError, isObject } from "./jsonrpc.ts";
import { stringArguments } from "./prompts.ts";
import { requireScope } from "./resources.ts";

/** MCP "Completion": at most 100 values per response. */
const MAX_VALUES = 100;

/** `completion/complete` for a prompt argument or a resource template variable. */
export async function complete(params: unknown, context: McpContext): Promise<CompleteResult> {
  if (!isObject(params) || !isObject(params.ref) || !isObject(params.argument) || typeof params.argument.name !== "string" || typeof params.argument.value !== "string") {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: completion/complete requires ref and argument {name, value}");
  }
  const { ref, argument } = params;
  const contextArguments = isObject(params.context) ? stringArguments(params.context.arguments) : {};
  let completer: Completer | undefined;
  if (ref.type === "ref/prompt" && typeof ref.name === "string") {
    const prompt = context.server.prompts.get(ref.name);
    if (!prompt) throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: unknown prompt");
    requireScope(prompt.scope, context);
    completer = prompt.complete?.[argument.name as string];
  } else if (ref.type === "ref/resource" && typeof ref.uri === "string") {
    const template = context.server.templates.find((t) => t.definition.uriTemplate === ref.uri);
    if (!template) throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: unknown resource template");
    requireScope(template.definition.scope, context);
    completer = template.definition.complete?.[argument.name as string];
  } else {
    throw new JsonRpcError(JSONRPC_ERROR.invalidParams, "Invalid params: ref must be ref/prompt or ref/resource");
  }
  const values = completer ? [...(await completer(argument.value as string, { arguments: contextArguments, handler: context.handler }))] : [];
  return { completion: { values: values.slice(0, MAX_VALUES), total: values.length, hasMore: values.length > MAX_VALUES } };
}
