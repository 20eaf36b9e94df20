import { SCOPES } from "../bindings.ts";
import { textResult } from "../kit/results.ts";
import { tool } from "../kit/tool.ts";

/** Stateless: never touches the Durable Object (the benchmark's hot path). */
export const hello = tool({
  name: "hello",
  description: "Say hello to someone. Requires the mcp:read scope.",
  inputSchema: {
    type: "object",
    properties: { name: { type: "string", description: "Name to greet", minLength: 1, maxLength: 200 } },
    required: ["name"],
  },
  scope: SCOPES.read,
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async ({ name }, { principal }) => textResult(`Hello, ${name}! (user: ${principal.subject})`),
});
