import { SCOPES } from "../bindings.ts";
import { MAX_KEY_LENGTH, MAX_VALUE_BYTES } from "../agent/limits.ts";
import { textResult, toolError } from "../kit/results.ts";
import { tool } from "../kit/tool.ts";

export const writeData = tool({
  name: "write_data",
  description: `Store a string value under a key in your private storage (at most ${MAX_VALUE_BYTES} bytes per value). Overwrites an existing key. Requires the mcp:write scope.`,
  inputSchema: {
    type: "object",
    properties: {
      // Code points, as JSON Schema counts; the Durable Object counts the same way.
      key: { type: "string", description: "Key to store under", minLength: 1, maxLength: MAX_KEY_LENGTH },
      // Characters ≤ bytes: the exact UTF-8 byte limit is enforced by the Durable Object.
      value: { type: "string", description: "Value to store", maxLength: MAX_VALUE_BYTES },
    },
    required: ["key", "value"],
  },
  scope: SCOPES.write,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async ({ key, value }, { storage }) => {
    const outcome = await storage.put(key, value);
    if (!outcome.stored) return toolError(`Not stored: ${outcome.reason}.`);
    return textResult(`Stored ${JSON.stringify(key)} (${outcome.created ? "new key" : "overwritten"}).`);
  },
});
