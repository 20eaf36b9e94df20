import type { Env } from "../env.ts";
import type { ToolDefinition } from "./types.ts";

/**
 * Declares a tool. `const S` keeps a JSON Schema literal literal, so the
 * handler's `args` has exactly the shape the schema admits (or the zod
 * input type, with `fromZod`). Checked by `defineMcpServer`.
 */
export function tool<const S, O = unknown, E extends Env = Env>(definition: ToolDefinition<S, O, E>): ToolDefinition<unknown, unknown, E> {
  // Sound: the protocol layer calls the handler only with arguments that passed `inputSchema`.
  return definition as unknown as ToolDefinition<unknown, unknown, E>;
}
