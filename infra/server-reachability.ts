/**
 * Whether MCP clients can reach a server at its audience. The worker answers
 * MCP at one path (`MCP_ENDPOINT_PATH`, the worker's `MCP_PATH` in
 * worker/mcp/handler.ts) and its RFC 9728 metadata at the audience's metadata
 * URL (RFC 9728 §3.1, advertised in every 401 challenge, §5.1). A custom
 * domain or a workers.dev host sends every path to the script; zone routes
 * send only what their patterns match, so both paths must be among them.
 */
import { resourceMetadataUrl } from "../worker/config.ts";
import type { ConfigIssue, ServerConfig } from "./config.ts";

/** Path of the worker's MCP endpoint. */
export const MCP_ENDPOINT_PATH = "/mcp";

/** Problems with how `server` (at config path `at`, e.g. "servers[0]") is reached. */
export function reachabilityIssues(server: ServerConfig, at: string): ConfigIssue[] {
  if (!server.customDomain && server.routes.length === 0 && !server.workersDev) {
    return [{ path: at, message: "is unreachable: set customDomain, add routes, or set workersDev: true" }];
  }
  const audience = new URL(server.audience);
  const issues: ConfigIssue[] = [];
  // MCP SDK clients accept a resource only if the endpoint's path starts with the resource's path.
  if (audience.pathname !== "/" && audience.pathname !== MCP_ENDPOINT_PATH) {
    issues.push({
      path: `${at}.audience`,
      message:
        `must be the server's origin (${audience.origin}) or its MCP endpoint (${audience.origin}${MCP_ENDPOINT_PATH}): ` +
        `the worker serves MCP at ${MCP_ENDPOINT_PATH}, and clients refuse a resource whose path does not cover the endpoint`,
    });
  }
  const host = audience.hostname;
  const wholeHost = server.customDomain?.hostname === host || (server.workersDev && host.endsWith(".workers.dev"));
  if (wholeHost) return issues;
  const hostRoutes = server.routes.filter((route) => patternHost(route.pattern, host));
  if (hostRoutes.length === 0) {
    issues.push({
      path: `${at}.audience`,
      message: `must be served by this server: its host ${host} is neither the customDomain, nor matched by a route${server.workersDev ? ", nor a workers.dev host" : ""}`,
    });
    return issues;
  }
  const metadataPath = new URL(resourceMetadataUrl(server.audience)).pathname;
  const required = [
    { path: MCP_ENDPOINT_PATH, why: "", suggestion: `${host}${MCP_ENDPOINT_PATH}*` },
    { path: metadataPath, why: " (MCP clients discover the issuer there)", suggestion: `${host}/.well-known/oauth-protected-resource*` },
  ];
  for (const { path, why, suggestion } of required) {
    if (!hostRoutes.some((route) => patternPath(route.pattern, path))) {
      issues.push({ path: `${at}.routes`, message: `must send ${audience.origin}${path} to the worker${why}; add a route like "${suggestion}"` });
    }
  }
  return issues;
}

/** Route patterns are `host/path`, the host optionally starting with `*.` (subdomains). */
function patternHost(pattern: string, host: string): boolean {
  const patternHostPart = pattern.split("/")[0] ?? "";
  return patternHostPart.startsWith("*.") ? host.endsWith(patternHostPart.slice(1)) : patternHostPart === host;
}

/** `*` in the path matches any run of characters; a pattern without a path matches only "/". */
function patternPath(pattern: string, path: string): boolean {
  const slash = pattern.indexOf("/");
  const glob = slash === -1 ? "/" : pattern.slice(slash);
  const regex = new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return regex.test(path);
}
