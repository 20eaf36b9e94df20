import type { WorkerVarName } from "./bindings.ts";
import type { AuthgentMCPAgent } from "./agent/authgent-mcp-agent.ts";

/**
 * The worker's `env`, derived from `bindings.ts` so a var cannot be read here
 * without being declared there. Vars are optional at the type level because a
 * misconfigured deploy can omit them; `config.ts` turns that into a 503.
 */
export type Env = { readonly [K in WorkerVarName]?: string } & {
  readonly MCP_OBJECT: DurableObjectNamespace<AuthgentMCPAgent>;
  /** Absent in deployments that predate the binding; the DO's exact limit still applies. */
  readonly MCP_RATE_LIMITER?: RateLimit;
};
