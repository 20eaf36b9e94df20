/**
 * The worker's main module: the fetch handler and the Durable Object class
 * (`bindings.ts` MCP_AGENT.className) the runtime instantiates per user.
 */
import { authenticate } from "./auth/authenticate.ts";
import { VerifiedTokenCache } from "./auth/verified-token-cache.ts";
import type { Env } from "./env.ts";
import { route } from "./http/router.ts";
import type { McpDeps } from "./mcp/handler.ts";
import { sessionCache } from "./mcp/sessions.ts";
import { registry } from "./tools/registry.ts";

export { AuthgentMCPAgent } from "./agent/authgent-mcp-agent.ts";

/** Lives as long as the isolate, like the JWKS key store. */
const verifiedTokens = new VerifiedTokenCache();

const deps: McpDeps = {
  authenticate: (request, config, ctx) =>
    authenticate(request, config, {
      verifiedTokens,
      ...(ctx ? { waitUntil: (promise: Promise<unknown>) => ctx.waitUntil(promise) } : {}),
    }),
  registry,
  sessions: sessionCache,
};

export default {
  fetch: (request, env, ctx) => route(request, env, ctx, deps),
} satisfies ExportedHandler<Env>;
