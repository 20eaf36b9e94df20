/**
 * The `/mcp` endpoint: MCP Streamable HTTP, JSON responses only (no SSE).
 *
 * Order of checks, cheapest and least revealing first: origin (by the
 * router) → authentication → body → protocol version → rate limit → session
 * → dispatch. Nothing is read from an unauthenticated client beyond headers.
 *
 * Rate limiting has two layers so the hot path needs no Durable Object round
 * trip: every authenticated request passes the rate-limiting binding (cheap,
 * approximate, keyed by principalKey); requests that touch state (initialize,
 * DELETE, get_data, write_data) are also counted exactly by the user's
 * Durable Object in the same RPC that does the work. hello, tools/list and
 * ping never reach the object.
 */
import { AgentClient } from "../agent/agent-client.ts";
import type { Principal } from "../auth/principal.ts";
import type { WorkerConfig } from "../config.ts";
import type { Env } from "../env.ts";
import { readJsonBody } from "../http/body.ts";
import { preflightResponse } from "../http/cors.ts";
import { MethodNotAllowedError } from "../http/errors.ts";
import { edgeRateLimit } from "../http/rate-limit.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import { dispatch } from "./dispatch.ts";
import { SessionNotFoundError, SessionRequiredError } from "./errors.ts";
import { parseMessage } from "./jsonrpc.ts";
import { requestProtocolVersion } from "./protocol.ts";
import { SESSION_HEADER, isWellFormedSessionId, requireSession, type SessionCache } from "./sessions.ts";

export const MCP_PATH = "/mcp";

/**
 * Methods `/mcp` answers. GET (the optional server-to-client SSE stream) is
 * not offered: MCP Streamable HTTP lets servers answer it with 405.
 */
export const MCP_METHODS = ["POST", "DELETE", "OPTIONS"] as const;

export interface McpDeps {
  /**
   * Verifies the bearer token; throws the typed auth errors. `ctx` lets
   * background work (JWKS refresh, cache writes) outlive the response.
   */
  readonly authenticate: (request: Request, config: WorkerConfig, ctx: ExecutionContext | undefined) => Promise<Principal>;
  readonly registry: ToolRegistry;
  readonly sessions: SessionCache;
}

/** Answers a request to `/mcp` whose Origin the router already accepted. */
export async function handleMcp(
  request: Request,
  env: Env,
  ctx: ExecutionContext | undefined,
  config: WorkerConfig,
  deps: McpDeps,
): Promise<Response> {
  // `return await`, not `return`: workerd reports a rejection that an async
  // function passes through by returning the promise as unhandled.
  switch (request.method) {
    case "POST":
      return await post(request, env, ctx, config, deps);
    case "DELETE":
      return await endSession(request, env, ctx, config, deps);
    case "OPTIONS":
      return preflightResponse(MCP_METHODS);
    default:
      throw new MethodNotAllowedError(MCP_METHODS);
  }
}

async function post(request: Request, env: Env, ctx: ExecutionContext | undefined, config: WorkerConfig, deps: McpDeps): Promise<Response> {
  const principal = await deps.authenticate(request, config, ctx);
  const message = parseMessage(await readJsonBody(request));
  const initializing = message.kind === "request" && message.method === "initialize";
  // The version is negotiated inside `initialize`; every later message declares it.
  if (!initializing) requestProtocolVersion(request.headers);
  const agent = new AgentClient(env, principal, config.rateLimitPerMinute);
  await edgeRateLimit(env.MCP_RATE_LIMITER, agent.objectName);
  const sessionId = request.headers.get(SESSION_HEADER);
  if (!initializing && sessionId !== null) await requireSession(sessionId, agent, deps.sessions);

  // Streamable HTTP: notifications and responses from the client are accepted with 202 and no body.
  if (message.kind !== "request") return new Response(null, { status: 202 });

  const { message: answer, sessionId: newSession } = await dispatch(message, {
    principal,
    config,
    agent,
    registry: deps.registry,
    sessions: deps.sessions,
  });
  // Always JSON, even when the client's Accept also (or only) names text/event-stream.
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "no-store" };
  if (newSession !== undefined) headers[SESSION_HEADER] = newSession;
  return new Response(JSON.stringify(answer), { status: 200, headers });
}

/** MCP "Session Management" §5: the client ends its session with DELETE. */
async function endSession(request: Request, env: Env, ctx: ExecutionContext | undefined, config: WorkerConfig, deps: McpDeps): Promise<Response> {
  const principal = await deps.authenticate(request, config, ctx);
  requestProtocolVersion(request.headers);
  const sessionId = request.headers.get(SESSION_HEADER);
  if (sessionId === null) throw new SessionRequiredError();
  const agent = new AgentClient(env, principal, config.rateLimitPerMinute);
  await edgeRateLimit(env.MCP_RATE_LIMITER, agent.objectName);
  if (!isWellFormedSessionId(sessionId)) throw new SessionNotFoundError();
  deps.sessions.delete(agent.objectName, sessionId);
  if (!(await agent.deleteSession(sessionId))) throw new SessionNotFoundError();
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
}
