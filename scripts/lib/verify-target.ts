/** What `npm run verify` checks: one MCP endpoint and the resource it claims to be. */
import { MCP_ENDPOINT_PATH } from "../../infra/server-reachability.ts";
import type { WorkerVersionPin } from "./verify-version.ts";

export interface VerifyTarget {
  /** Label prefixed to check ids when a stack has several servers; empty for a single URL. */
  readonly label: string;
  /** The MCP endpoint clients POST to, e.g. `https://mcp.example.com/mcp`. */
  readonly mcpUrl: URL;
  /**
   * The resource identifier the deployment must publish (RFC 9728 `resource`,
   * the worker's `MCP_AUDIENCE`) when it is known (stack outputs, `--resource`).
   * Unknown: any resource an MCP client would accept for `mcpUrl` passes.
   */
  readonly expectedResource?: string;
  /** The issuer the deployment must name in `authorization_servers`, when known. */
  readonly expectedIssuer?: string;
  /**
   * The scopes the deployed code requires (the stack's `scopes` output, read
   * from the server's code), which its RFC 9728 `scopes_supported` must list
   * exactly; unknown: not checked.
   */
  readonly expectedScopes?: readonly string[];
  /** Check this Worker version rather than whichever the deployment routes to (gradual rollouts). @default none */
  readonly workerVersion?: WorkerVersionPin;
}

/** Path of the MCP endpoint when the given URL is a bare origin (where the worker serves MCP). */
export const DEFAULT_MCP_PATH = MCP_ENDPOINT_PATH;

/**
 * Parses the user's URL: a bare origin means its `/mcp` endpoint. Query and
 * fragment are rejected (RFC 8707 §2: a resource has no fragment; MCP
 * endpoints take no query).
 */
export function parseTarget(raw: string, extra: Omit<VerifyTarget, "mcpUrl" | "label"> & { label?: string } = {}): VerifyTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not an absolute URL; pass the MCP endpoint, e.g. https://mcp.example.com/mcp`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`"${raw}" must be an http(s) URL`);
  if (url.search || url.hash || url.username || url.password) {
    throw new Error(`"${raw}" must not contain a query, fragment or credentials`);
  }
  if (url.pathname === "/" || url.pathname === "") url.pathname = DEFAULT_MCP_PATH;
  return {
    label: extra.label ?? "",
    mcpUrl: url,
    expectedResource: extra.expectedResource,
    expectedIssuer: extra.expectedIssuer,
    ...(extra.expectedScopes ? { expectedScopes: extra.expectedScopes } : {}),
    ...(extra.workerVersion ? { workerVersion: extra.workerVersion } : {}),
  };
}

/**
 * RFC 9728 §3.1: the metadata URL inserts the well-known suffix between host
 * and path. Returns the root document and the one for the endpoint's path,
 * the two places MCP clients look.
 */
export function metadataUrls(target: VerifyTarget): { root: URL; forPath: URL } {
  const origin = target.mcpUrl.origin;
  const path = target.mcpUrl.pathname.replace(/\/+$/, "");
  return {
    root: new URL(`${origin}/.well-known/oauth-protected-resource`),
    forPath: new URL(`${origin}/.well-known/oauth-protected-resource${path}`),
  };
}
