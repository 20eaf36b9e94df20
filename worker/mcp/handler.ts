/**
 * The `/mcp` endpoint: MCP Streamable HTTP for the 2025 revisions and
 * 2026-07-28, chosen per request. JSON responses, except that a request
 * whose handler sends progress or log notifications to a client accepting
 * `text/event-stream` is answered as an SSE stream.
 *
 * Order of checks, cheapest and least revealing first: origin (by the
 * router) → authentication → body → protocol version (and, for 2026-07-28, the
 * headers mirroring the body) → rate limit → session (2025 only) → dispatch. Nothing is read from an unauthenticated client beyond headers.
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
import type { CompiledServer } from "../kit/compile.ts";
import { userStorage } from "../kit/storage.ts";
import type { McpContext } from "./context.ts";
import { dispatch, type Dispatched } from "./dispatch.ts";
import { McpHttpError, SessionNotFoundError, SessionRequiredError, UnsupportedProtocolVersionError } from "./errors.ts";
import { errorMessage, isObject, parseMessage, type JsonRpcRequest } from "./jsonrpc.ts";
import { checkParamHeaders, declaresModern, metaOf, readModernEnvelope, UNSUPPORTED_PROTOCOL_VERSION } from "./modern.ts";
import { Notifier, type LogLevels, type NotificationMessage } from "./notifier.ts";
import { DEFAULT_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSION, requestProtocolVersion, type ProtocolVersion } from "./protocol.ts";
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
  /** The server the kit compiled (`defineMcpServer`). */
  readonly server: CompiledServer;
  readonly sessions: SessionCache;
  /** 2025 `logging/setLevel` choices, per user. */
  readonly logLevels: LogLevels;
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
  try {
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
  } catch (error) {
    if (error instanceof McpHttpError) return error.toResponse();
    throw error;
  }
}

async function post(request: Request, env: Env, ctx: ExecutionContext | undefined, config: WorkerConfig, deps: McpDeps): Promise<Response> {
  const principal = await deps.authenticate(request, config, ctx);
  const message = parseMessage(await readJsonBody(request));
  const version = declaredVersion(request.headers, message.kind === "request" ? message : undefined);
  const modern = version === MODERN_PROTOCOL_VERSION;
  const envelope = modern && message.kind === "request" ? readModernEnvelope(message, request.headers) : undefined;
  if (envelope && message.kind === "request") checkParamHeaders(message, request.headers, deps.server);
  const agent = new AgentClient(env, principal, config.rateLimitPerMinute);
  await edgeRateLimit(env.MCP_RATE_LIMITER, agent.objectName);
  // 2026-07-28 has no sessions (changelog 1): Mcp-Session-Id is ignored there.
  const sessionId = modern ? null : request.headers.get(SESSION_HEADER);
  const initializing = message.kind === "request" && message.method === "initialize";
  if (!initializing && sessionId !== null) await requireSession(sessionId, agent, deps.sessions);

  // Streamable HTTP: notifications and responses from the client are accepted with 202 and no body.
  if (message.kind !== "request") return new Response(null, { status: 202 });

  const meta = metaOf(message);
  const progressToken = meta?.progressToken;
  const notifier = new Notifier(
    acceptsEventStream(request.headers),
    typeof progressToken === "string" || typeof progressToken === "number" ? progressToken : undefined,
    modern ? envelope?.logLevel : deps.logLevels.get(agent.objectName),
  );
  const context: McpContext = {
    principal,
    config,
    agent,
    server: deps.server,
    sessions: deps.sessions,
    version,
    modern,
    notifier,
    clientCapabilities: envelope?.clientCapabilities ?? {},
    env,
    handler: {
      env,
      principal,
      storage: userStorage(agent),
      waitUntil: (promise) => (ctx ? ctx.waitUntil(promise) : void promise.catch(() => undefined)),
      signal: request.signal,
      protocolVersion: version,
      progress: (progress, total, text) => notifier.progress(progress, total, text),
      log: (level, data) => notifier.log(level, data),
    },
  };
  const work = dispatch(message, context, deps.logLevels);
  // The hot path: no notification was possible or none came before the answer → plain JSON.
  if (notifier.canEmit && (await Promise.race([work.then(() => false, () => false), notifier.first.then(() => true)]))) {
    return streamAnswer(message, work, notifier, ctx);
  }
  return jsonAnswer(await work);
}

/**
 * The revision of this request: the header, which must agree with a 2026
 * body's `_meta` (a 2026 body without the header is a HeaderMismatch). An
 * unsupported header value is 400 with -32022 and the supported list
 * (2026-07-28 "Protocol Version Header"; 2025 clients read only the 400).
 */
function declaredVersion(headers: Headers, request: JsonRpcRequest | undefined): ProtocolVersion {
  let version: ProtocolVersion;
  try {
    // initialize negotiates in its body and exists only in 2025 revisions: its header is ignored.
    version = request?.method === "initialize" ? DEFAULT_PROTOCOL_VERSION : requestProtocolVersion(headers);
  } catch (error) {
    if (!(error instanceof UnsupportedProtocolVersionError)) throw error;
    const requested = (error.requested ?? "").slice(0, 32);
    throw new McpHttpError(400, UNSUPPORTED_PROTOCOL_VERSION, `Unsupported protocol version: ${JSON.stringify(requested)}`, request?.id ?? null, {
      supported: error.supported,
      requested,
    });
  }
  if (request && version !== MODERN_PROTOCOL_VERSION && declaresModern(request) && request.method !== "initialize") {
    readModernEnvelope(request, headers); // throws the precise HeaderMismatch
    throw new McpHttpError(400, -32020, `Header mismatch: the body declares ${MODERN_PROTOCOL_VERSION} but MCP-Protocol-Version does not`, request.id);
  }
  return version;
}

function jsonAnswer({ message, sessionId, notFound }: Dispatched): Response {
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "no-store" };
  if (sessionId !== undefined) headers[SESSION_HEADER] = sessionId;
  return new Response(JSON.stringify(message), { status: notFound ? 404 : 200, headers });
}

/**
 * MCP Streamable HTTP "Receiving Messages": an SSE stream scoped to this
 * request, notifications first, the response last, then the stream ends.
 * A typed error after streaming began (e.g. the exact rate limit inside a
 * tool) cannot change the status any more: it becomes a JSON-RPC error.
 */
function streamAnswer(request: JsonRpcRequest, work: Promise<Dispatched>, notifier: Notifier, ctx: ExecutionContext | undefined): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  const write = (message: unknown): void => {
    writer.write(encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`)).catch(() => undefined);
  };
  notifier.drainTo((message: NotificationMessage) => write(message));
  const done = work
    .then(
      ({ message }) => message,
      (error: unknown) => {
        console.error(`mcp ${request.method} failed after streaming began`, error);
        const code = isObject(error) && error.code === "ERR_RATE_LIMITED" ? -32000 : -32603;
        return errorMessage(request.id, code, code === -32000 ? "Rate limited; retry later" : "Internal error");
      },
    )
    .then((message) => {
      notifier.close();
      write(message);
      return writer.close();
    })
    .catch(() => undefined);
  ctx?.waitUntil(done);
  return new Response(readable, {
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}

function acceptsEventStream(headers: Headers): boolean {
  return (headers.get("accept") ?? "").toLowerCase().includes("text/event-stream");
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
