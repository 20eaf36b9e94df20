import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { AgentClient } from "../agent/agent-client.ts";
import type { Principal } from "../auth/principal.ts";
import type { FromSchema, ObjectSchema } from "./json-schema.ts";

/** What a tool handler may use. */
export interface ToolContext {
  /** The verified caller. */
  readonly principal: Principal;
  /** The caller's own Durable Object (data, sessions, exact rate limit). */
  readonly agent: AgentClient;
}

/** One entry of the tool registry, as the dispatcher sees it. */
export interface ToolDefinition {
  /** Unique; what clients pass to `tools/call`. */
  readonly name: string;
  /** Shown to the model; say what the tool does and when to use it. */
  readonly description: string;
  /** JSON Schema (subset) of `arguments`; checked before the handler runs. */
  readonly inputSchema: ObjectSchema;
  /** OAuth scope the caller's token must carry (RFC 6750 §3.1 insufficient_scope otherwise). */
  readonly requiredScope: string;
  /** MCP 2025-03-26+ behaviour hints for clients. */
  readonly annotations?: ToolAnnotations;
  /**
   * Runs the tool with arguments that passed `inputSchema`. Return a tool
   * error (`toolError`) for failures the model should see; thrown errors
   * become JSON-RPC internal errors (or, for typed errors such as rate
   * limits, HTTP errors).
   */
  readonly handler: (args: Record<string, unknown>, context: ToolContext) => Promise<CallToolResult>;
}

/** A tool whose handler is typed by its own input schema. */
export interface TypedToolDefinition<S extends ObjectSchema> extends Omit<ToolDefinition, "inputSchema" | "handler"> {
  readonly inputSchema: S;
  readonly handler: (args: FromSchema<S>, context: ToolContext) => Promise<CallToolResult>;
}

/**
 * Declares a tool. `const S` keeps the schema literal, so `args` in the
 * handler has the exact shape the schema admits.
 */
export function defineTool<const S extends ObjectSchema>(tool: TypedToolDefinition<S>): ToolDefinition {
  return {
    ...tool,
    // Sound because the dispatcher only calls handlers with validated arguments.
    handler: (args, context) => tool.handler(args as FromSchema<S>, context),
  };
}

export function textResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }] };
}

/** MCP "Error Handling": a tool execution error the model can read and act on. */
export function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}
