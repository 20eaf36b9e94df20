/**
 * Comparison worker for `npm run bench` (reference, never deployed): the
 * default server plus `hello_zod`, the same greeting declared with zod
 * (`fromZod`, converted once to JSON Schema and validated per call by
 * @cfworker/json-schema), so row (z) shows what a zod-declared tool costs
 * next to the plain JSON Schema `hello` of row (a).
 */
import { z } from "zod";
import { SCOPES } from "../worker/bindings.ts";
import { defineMcpServer } from "../worker/kit/define-server.ts";
import { textResult } from "../worker/kit/results.ts";
import { tool } from "../worker/kit/tool.ts";
import { fromZod } from "../worker/kit/zod.ts";
import { DEFAULT_SERVER } from "../worker/tools/server.ts";

const helloZod = tool({
  name: "hello_zod",
  description: "Say hello to someone (zod-declared).",
  inputSchema: fromZod(z.object({ name: z.string().min(1).max(200) })),
  scope: SCOPES.read,
  handler: async ({ name }, { principal }) => textResult(`Hello, ${name}! (user: ${principal.subject})`),
});

const server = defineMcpServer({ ...DEFAULT_SERVER, tools: [...(DEFAULT_SERVER.tools ?? []), helloZod] });

export default server.worker;
export const { AuthgentMCPAgent } = server;
