/**
 * Origin checks and CORS for browser-based MCP clients.
 *
 * `/mcp` echoes an allowed `Origin` (never `*`), so only configured origins
 * and the resource's own origin can read responses. The metadata document is
 * public and served with `*`.
 */
import type { WorkerConfig } from "../config.ts";
import { OriginForbiddenError } from "./errors.ts";

/**
 * Request headers a browser client may send to `/mcp` (MCP Streamable HTTP,
 * plus the RFC 9449 §4.1 `DPoP` proof). `Accept` needs no listing
 * (CORS-safelisted, Fetch §2.2.2); `Last-Event-ID` only resumes the GET event
 * stream, which this server does not offer.
 */
export const CORS_ALLOW_HEADERS = "authorization, content-type, dpop, mcp-protocol-version, mcp-session-id";
/**
 * Response headers a browser client must read: the auth challenge, the
 * RFC 9449 §9 `DPoP-Nonce` and the session id.
 */
export const CORS_EXPOSE_HEADERS = "www-authenticate, dpop-nonce, mcp-session-id";
/** How long browsers may cache a preflight, seconds (Chromium caps at 7200). */
export const CORS_MAX_AGE_SECONDS = 7200;

const allowedSets = new WeakMap<WorkerConfig, ReadonlySet<string>>();

/**
 * MCP Streamable HTTP "Security Warning" (DNS rebinding): servers MUST
 * validate `Origin` and answer 403 when it is present and not allowed. A
 * request without `Origin` is not from a browser and is allowed.
 *
 * Returns the request's origin when it is allowed, null when there is none.
 */
export function checkOrigin(request: Request, config: WorkerConfig): string | null {
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  if (!allowedOrigins(config).has(origin)) throw new OriginForbiddenError();
  return origin;
}

/** Preflight answer for `/mcp`; the origin was already checked by `checkOrigin`. */
export function preflightResponse(methods: readonly string[]): Response {
  const headers = new Headers({
    "access-control-allow-methods": methods.join(", "),
    "access-control-allow-headers": CORS_ALLOW_HEADERS,
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
  });
  // `withCors` adds the allow-origin echo and `Vary`, as for every /mcp answer.
  return new Response(null, { status: 204, headers });
}

/**
 * Adds CORS headers to a `/mcp` response. `origin` is the checked request
 * origin (null: not a browser request, nothing to add beyond `Vary`).
 * Mutates and returns `response`: every `/mcp` response is built by this
 * worker, so its headers are mutable, and copying would cost the hot path.
 */
export function withCors(response: Response, origin: string | null): Response {
  response.headers.append("vary", "origin");
  if (origin !== null) {
    response.headers.set("access-control-allow-origin", origin);
    response.headers.set("access-control-expose-headers", CORS_EXPOSE_HEADERS);
  }
  return response;
}

/** CORS for public, credential-free documents (RFC 9728 metadata). */
export function publicCorsHeaders(): Record<string, string> {
  return {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, HEAD, OPTIONS",
    "access-control-allow-headers": CORS_ALLOW_HEADERS,
    "access-control-expose-headers": CORS_EXPOSE_HEADERS,
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
  };
}

/** Configured origins plus the resource's own (a web client served from the same host). */
function allowedOrigins(config: WorkerConfig): ReadonlySet<string> {
  let set = allowedSets.get(config);
  if (!set) {
    set = new Set([...config.allowedOrigins, new URL(config.audience).origin]);
    allowedSets.set(config, set);
  }
  return set;
}
