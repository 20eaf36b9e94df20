/**
 * RFC 9728 OAuth 2.0 Protected Resource Metadata: how MCP clients discover
 * that Authgent protects this server (MCP 2025-06-18+ "Authorization Server
 * Discovery").
 */
import type { WorkerConfig } from "../config.ts";
import { MethodNotAllowedError } from "./errors.ts";
import { publicCorsHeaders } from "./cors.ts";

/** RFC 9728 §3: the well-known suffix. */
export const PRM_PATH = "/.well-known/oauth-protected-resource";

/** Browsers and clients may cache the document this long, seconds. */
export const PRM_MAX_AGE_SECONDS = 300;

const PRM_METHODS = ["GET", "HEAD", "OPTIONS"] as const;

/** RFC 9728 §2 fields this server publishes. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported: readonly string[];
  readonly bearer_methods_supported: readonly ["header"];
  readonly resource_name: string;
  /** RFC 9728 §2 / RFC 9449 §5.1: algorithms accepted for DPoP proofs. */
  readonly dpop_signing_alg_values_supported: readonly string[];
  /** RFC 9728 §2: true when only DPoP-bound tokens are accepted. */
  readonly dpop_bound_access_tokens_required: boolean;
}

export function protectedResourceMetadata(config: WorkerConfig, scopes: readonly string[]): ProtectedResourceMetadata {
  return {
    // RFC 9728 §3.3: must equal the resource identifier the client used.
    resource: config.audience,
    authorization_servers: [config.issuer],
    scopes_supported: scopes,
    // RFC 6750 §2.1 only: tokens in bodies or query strings are never read.
    bearer_methods_supported: ["header"],
    resource_name: config.resourceName,
    dpop_signing_alg_values_supported: config.dpopAlgorithms,
    dpop_bound_access_tokens_required: config.requireDpop,
  };
}

/**
 * Serves the document at the root well-known path, at `/mcp` appended (RFC
 * 9728 §3.1 for a resource at `/mcp`, which clients try first) and at the
 * exact URL this server advertises in `WWW-Authenticate`.
 */
export function isMetadataPath(pathname: string, config: WorkerConfig): boolean {
  return pathname === PRM_PATH || pathname === `${PRM_PATH}/mcp` || pathname === new URL(config.resourceMetadataUrl).pathname;
}

export function metadataResponse(request: Request, config: WorkerConfig, scopes: readonly string[]): Response {
  const cors = publicCorsHeaders();
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });
  if (request.method !== "GET" && request.method !== "HEAD") throw new MethodNotAllowedError(PRM_METHODS);
  const response = Response.json(protectedResourceMetadata(config, scopes), {
    headers: { ...cors, "cache-control": `public, max-age=${PRM_MAX_AGE_SECONDS}` },
  });
  return request.method === "HEAD" ? new Response(null, response) : response;
}
