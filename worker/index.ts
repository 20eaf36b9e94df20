/**
 * The worker's main module: the fetch handler and the Durable Object class
 * (`bindings.ts` MCP_AGENT.className) the runtime instantiates per user.
 */
import { AgentClient } from "./agent/agent-client.ts";
import { authenticate } from "./auth/authenticate.ts";
import { DpopReplayGuard } from "./auth/dpop/replay-guard.ts";
import { VerifiedTokenCache } from "./auth/verified-token-cache.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { route } from "./http/router.ts";
import type { McpDeps } from "./mcp/handler.ts";
import { sessionCache } from "./mcp/sessions.ts";
import { registry } from "./tools/registry.ts";

export { AuthgentMCPAgent } from "./agent/authgent-mcp-agent.ts";

/** Lives as long as the isolate, like the JWKS key store. */
const verifiedTokens = new VerifiedTokenCache();

const depsByEnv = new WeakMap<Env, McpDeps>();

/**
 * The handler's dependencies for `env` (one per isolate in practice). DPoP
 * replay detection is isolate-local first, then the user's Durable Object,
 * so a proof replayed to another isolate or location is refused too.
 */
function depsFor(env: Env): McpDeps {
  let deps = depsByEnv.get(env);
  if (!deps) {
    const dpopReplay = new DpopReplayGuard({
      shared: (principal, uses) => new AgentClient(env, principal, workerConfig(env).rateLimitPerMinute).recordDpopProofs(uses),
    });
    deps = {
      authenticate: (request, config, ctx) =>
        authenticate(request, config, {
          verifiedTokens,
          dpopReplay,
          ...(ctx ? { waitUntil: (promise: Promise<unknown>) => ctx.waitUntil(promise) } : {}),
        }),
      registry,
      sessions: sessionCache,
    };
    depsByEnv.set(env, deps);
  }
  return deps;
}

export default {
  fetch: (request, env, ctx) => route(request, env, ctx, depsFor(env)),
} satisfies ExportedHandler<Env>;
