/**
 * Pulumi type tokens of the fleet's resources, without loading the
 * components (and @pulumi/cloudflare): config validation builds URNs from
 * them for the commands its messages suggest. Tokens are part of every URN
 * in a stack's state, so they never change.
 */

/** `McpFleet`, the parent of every server. */
export const MCP_FLEET_TYPE = "authgent-edge:index:McpFleet";
/** `McpWorker`, one per server. */
export const MCP_WORKER_TYPE = "authgent-edge:index:McpWorker";
/** @pulumi/cloudflare `WorkersScript` (its `__pulumiType`). */
export const WORKERS_SCRIPT_TYPE = "cloudflare:index/workersScript:WorkersScript";
/** `D1Migrations`: a created D1 database's SQL migrations, applied during `pulumi up`. */
export const D1_MIGRATIONS_TYPE = "authgent-edge:index:D1Migrations";
