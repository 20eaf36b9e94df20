import {
  COMPATIBILITY_DATE,
  COMPATIBILITY_FLAGS,
  MCP_AGENT,
  RATE_LIMITER,
} from "../../worker/bindings.ts";

/** The audience the in-workerd tests' default env uses. */
export const TEST_AUDIENCE = "https://mcp.test.example";

/**
 * Miniflare options for the in-workerd test pool, derived from the same
 * bindings module Pulumi deploys from.
 */
export function workerTestMiniflareOptions(issuer: string) {
  return {
    main: "./worker/index.ts",
    miniflare: {
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: [...COMPATIBILITY_FLAGS],
      bindings: { AUTHGENT_ISSUER: issuer, MCP_AUDIENCE: TEST_AUDIENCE },
      durableObjects: { [MCP_AGENT.binding]: { className: MCP_AGENT.className, useSQLite: true } },
      ratelimits: { [RATE_LIMITER.binding]: { simple: { limit: 1000, period: RATE_LIMITER.periodSeconds } } },
    },
  };
}
