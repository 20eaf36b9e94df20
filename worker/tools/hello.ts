import { SCOPES } from "../bindings.ts";
import { defineTool, textResult } from "./tool.ts";

/** Stateless: never touches the Durable Object (the benchmark's hot path). */
export const hello = defineTool({
  name: "hello",
  description: "Say hello to someone. Requires the mcp:read scope.",
  inputSchema: {
    type: "object",
    properties: { name: { type: "string", description: "Name to greet", minLength: 1, maxLength: 200 } },
    required: ["name"],
  },
  requiredScope: SCOPES.read,
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async ({ name }, { principal }) => textResult(`Hello, ${name}! (user: ${principal.subject})`),
});
