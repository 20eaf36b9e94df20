import type { AgentClient } from "../agent/agent-client.ts";
import type { Principal } from "../auth/principal.ts";
import type { WorkerConfig } from "../config.ts";
import type { Env } from "../env.ts";
import type { CompiledServer } from "../kit/compile.ts";
import type { HandlerContext } from "../kit/types.ts";
import type { Notifier } from "./notifier.ts";
import type { ProtocolVersion } from "./protocol.ts";
import type { SessionCache } from "./sessions.ts";

/** Everything a method handler may use for one request. */
export interface McpContext {
  readonly principal: Principal;
  readonly config: WorkerConfig;
  readonly agent: AgentClient;
  readonly server: CompiledServer;
  readonly sessions: SessionCache;
  /** The revision this request speaks. */
  readonly version: ProtocolVersion;
  /** True for 2026-07-28 (stateless, `_meta` envelope, `resultType`). */
  readonly modern: boolean;
  readonly notifier: Notifier;
  /** 2026-07-28: `_meta` clientCapabilities of this request ({} for 2025 revisions). */
  readonly clientCapabilities: Record<string, unknown>;
  /** What kit handlers receive (env, principal, storage, waitUntil, signal, progress, log). */
  readonly handler: HandlerContext;
  readonly env: Env;
}
