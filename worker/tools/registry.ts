/**
 * The tool registry. Adding a tool is one entry here (plus its module):
 * `tools/list`, scope checks, argument validation and the RFC 9728
 * `scopes_supported` list all derive from this array.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { getData } from "./get-data.ts";
import { hello } from "./hello.ts";
import type { ToolDefinition } from "./tool.ts";
import { writeData } from "./write-data.ts";

export const TOOLS: readonly ToolDefinition[] = [hello, getData, writeData];

export interface ToolRegistry {
  /** The tool called `name`, if any (own names only; `__proto__` is not a tool). */
  find(name: string): ToolDefinition | undefined;
  /** The `tools/list` result, computed once. */
  readonly listResult: { readonly tools: readonly Tool[] };
  /** Every scope some tool requires, sorted: RFC 9728 `scopes_supported`. */
  readonly scopes: readonly string[];
}

export function createRegistry(tools: readonly ToolDefinition[]): ToolRegistry {
  const byName = new Map<string, ToolDefinition>();
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new Error(`duplicate tool name "${tool.name}"`);
    byName.set(tool.name, tool);
  }
  const listed: Tool[] = tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema as Tool["inputSchema"],
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  }));
  return {
    find: (name) => byName.get(name),
    listResult: { tools: listed },
    scopes: [...new Set(tools.map((tool) => tool.requiredScope))].sort(),
  };
}

export const registry: ToolRegistry = createRegistry(TOOLS);
