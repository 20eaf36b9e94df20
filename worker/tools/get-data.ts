import { SCOPES } from "../bindings.ts";
import { textResult } from "../kit/results.ts";
import { tool } from "../kit/tool.ts";

export const getData = tool({
  name: "get_data",
  description:
    "Return the data you stored with write_data and who you are (sub, client_id, scope, and act: who acts for you, when delegated). Requires the mcp:read scope.",
  inputSchema: { type: "object", properties: {} },
  scope: SCOPES.read,
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async (_args, { principal, storage }) => {
    const entries = await storage.list();
    const data = Object.fromEntries(entries.map((entry) => [entry.key, entry.value]));
    // act: RFC 8693 §4.1 delegation chain, current actor first ([] when not delegated).
    const identity = { sub: principal.subject, client_id: principal.clientId ?? null, scope: principal.scope, act: principal.actors ?? [] };
    return textResult(JSON.stringify({ identity, data }));
  },
});
