import type { AgentClient } from "../agent/agent-client.ts";
import type { Principal } from "../auth/principal.ts";
import type { WorkerConfig } from "../config.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import type { SessionCache } from "./sessions.ts";

/** Everything a method handler may use for one request. */
export interface McpContext {
  readonly principal: Principal;
  readonly config: WorkerConfig;
  readonly agent: AgentClient;
  readonly registry: ToolRegistry;
  readonly sessions: SessionCache;
}
