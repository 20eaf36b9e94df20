import {
  COMPATIBILITY_DATE,
  COMPATIBILITY_FLAGS,
  MCP_AGENT,
  RATE_LIMITER,
} from "../../worker/bindings.ts";

/** The audience the in-workerd tests' default env uses. */
export const TEST_AUDIENCE = "https://mcp.test.example";

/**
 * A second, real rate-limiting binding with a tiny limit. Tests of the edge
 * limiter pass it as `MCP_RATE_LIMITER` in a custom env; the default one stays
 * generous so other suites never hit it.
 */
export const TEST_LOW_RATE_LIMITER = { binding: "TEST_LOW_RATE_LIMITER", limit: 2 } as const;

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
      ratelimits: {
        [RATE_LIMITER.binding]: { simple: { limit: 1000, period: RATE_LIMITER.periodSeconds } },
        [TEST_LOW_RATE_LIMITER.binding]: { simple: { limit: TEST_LOW_RATE_LIMITER.limit, period: RATE_LIMITER.periodSeconds } },
      },
    },
  };
}
