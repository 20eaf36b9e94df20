import type { Env } from "./env.ts";

export { AuthgentMCPAgent } from "./agent/authgent-mcp-agent.ts";

export default {
  async fetch(): Promise<Response> {
    return new Response("placeholder", { status: 503 });
  },
} satisfies ExportedHandler<Env>;
