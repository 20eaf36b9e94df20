/**
 * Reference for `npm run bench`'s DPoP rows (no target, never deployed): the
 * real worker — router, authentication, MCP handler, Durable Object class —
 * with DPoP `jti` replay detection inside this isolate only. The gap between
 * it and the real worker is the price of cross-isolate replay protection (the
 * user's Durable Object ledger); the gap between it and the Bearer run is
 * the price of verifying a proof. Unsafe in production: a proof replayed to
 * another isolate or location would be accepted.
 */
import { authenticate } from "../worker/auth/authenticate.ts";
import { DpopReplayGuard } from "../worker/auth/dpop/replay-guard.ts";
import { VerifiedTokenCache } from "../worker/auth/verified-token-cache.ts";
import { route } from "../worker/http/router.ts";
import { sessionCache } from "../worker/mcp/sessions.ts";
import { registry } from "../worker/tools/registry.ts";

export { AuthgentMCPAgent } from "../worker/agent/authgent-mcp-agent.ts";

const verifiedTokens = new VerifiedTokenCache();
const dpopReplay = new DpopReplayGuard({ shared: null });
const deps = {
  authenticate: (request, config, ctx) =>
    authenticate(request, config, { verifiedTokens, dpopReplay, ...(ctx ? { waitUntil: (p) => ctx.waitUntil(p) } : {}) }),
  registry,
  sessions: sessionCache,
};

export default {
  fetch: (request, env, ctx) => route(request, env, ctx, deps),
};
