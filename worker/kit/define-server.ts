/**
 * The kit's entry point: a server author describes the server; the kit
 * supplies authentication (Bearer and DPoP against Authgent's JWKS), RFC 9728
 * metadata, CORS, both rate-limit layers, 2025 sessions and the MCP protocol
 * (2025-03-26, 2025-06-18, 2025-11-25 and 2026-07-28, chosen per request).
 */
import { AgentClient } from "../agent/agent-client.ts";
import { AuthgentMCPAgent } from "../agent/authgent-mcp-agent.ts";
import { authenticate } from "../auth/authenticate.ts";
import { DpopReplayGuard } from "../auth/dpop/replay-guard.ts";
import { VerifiedTokenCache } from "../auth/verified-token-cache.ts";
import { workerConfig } from "../config.ts";
import type { Env } from "../env.ts";
import { route } from "../http/router.ts";
import type { McpDeps } from "../mcp/handler.ts";
import { LogLevels } from "../mcp/notifier.ts";
import { sessionCache } from "../mcp/sessions.ts";
import { compileServer, type CompiledServer } from "./compile.ts";
import { SERVER_DESCRIPTION, type ServerDescription } from "./description.ts";
import type { ServerManifest } from "./manifest.ts";
import type { EnvOf } from "./manifest-env.ts";
import type { ServerDefinition } from "./types.ts";

export interface McpServerModule<E extends Env> {
  /** The Worker's default export: `export default server.worker`. */
  readonly worker: ExportedHandler<E> & { readonly fetch: ExportedHandlerFetchHandler<E>; readonly [SERVER_DESCRIPTION]: ServerDescription };
  /**
   * The per-user Durable Object class, bound as `MCP_OBJECT` under the class
   * name `AuthgentMCPAgent`: `export const { AuthgentMCPAgent } = server`.
   */
  readonly AuthgentMCPAgent: typeof AuthgentMCPAgent;
  /** The checked definition (tests and `npm run build` read it). */
  readonly compiled: CompiledServer;
}

/** Lives as long as the isolate, like the JWKS key store. */
const verifiedTokens = new VerifiedTokenCache();

/**
 * Defines an MCP server. Checks the definition at once and throws
 * `ServerDefinitionError` naming the offender (duplicate names, a tool
 * without a scope, an invalid schema, a manifest binding named like one of
 * the kit's), so a broken server fails at build.
 *
 * With a `manifest`, handlers declared inline (resources, prompts) see
 * `EnvOf<typeof manifest>`; type tools with `toolFor(manifest)`.
 *
 * @example
 * const server = defineMcpServer({ name: "notes", version: "1.0.0", tools: [tool({ ... })] });
 * export default server.worker;
 * export const { AuthgentMCPAgent } = server;
 */
export function defineMcpServer<const M extends ServerManifest>(definition: ServerDefinition<EnvOf<M>> & { readonly manifest: M }): McpServerModule<EnvOf<M>>;
export function defineMcpServer<E extends Env = Env>(definition: ServerDefinition<E>): McpServerModule<E>;
export function defineMcpServer<E extends Env = Env>(definition: ServerDefinition<E>): McpServerModule<E> {
  const compiled = compileServer(definition);
  const description: ServerDescription = { name: compiled.info.name, version: compiled.info.version, manifest: compiled.manifest, scopes: compiled.scopes };
  const logLevels = new LogLevels();
  const depsByEnv = new WeakMap<Env, McpDeps>();
  /**
   * The handler's dependencies for `env` (one per isolate in practice). DPoP
   * replay detection is isolate-local first, then the user's Durable Object,
   * so a proof replayed to another isolate or location is refused too.
   */
  const depsFor = (env: Env): McpDeps => {
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
        server: compiled,
        sessions: sessionCache,
        logLevels,
      };
      depsByEnv.set(env, deps);
    }
    return deps;
  };
  return {
    // The description rides on the Worker object, which every server module exports (description.ts).
    worker: { fetch: (request, env, ctx) => route(request, env, ctx, depsFor(env)), [SERVER_DESCRIPTION]: description },
    AuthgentMCPAgent,
    compiled,
  };
}
