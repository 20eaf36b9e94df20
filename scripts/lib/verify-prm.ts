/**
 * RFC 9728 Protected Resource Metadata, checked the way an MCP client uses it:
 * the document must exist at the root and at the endpoint's path, name a
 * resource the client will accept for this endpoint, and list the issuer.
 */
import { checkResourceAllowed } from "@modelcontextprotocol/sdk/shared/auth-utils.js";
import { OAuthProtectedResourceMetadataSchema, type OAuthProtectedResourceMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { getJson, isSecureUrl, type HttpOptions } from "./verify-http.ts";
import { fail, pass, type CheckResult } from "./verify-report.ts";
import { metadataUrls, type VerifyTarget } from "./verify-target.ts";

export interface PrmCheck {
  readonly results: CheckResult[];
  /** The root document when it validated, for the issuer checks. */
  readonly metadata?: OAuthProtectedResourceMetadata;
}

/** Checks both metadata locations and that they agree. */
export async function checkProtectedResourceMetadata(target: VerifyTarget, http: HttpOptions): Promise<PrmCheck> {
  const urls = metadataUrls(target);
  const root = await checkOneDocument("prm", "protected resource metadata (root)", urls.root, target, http);
  if (urls.forPath.href === urls.root.href) return { results: [root.result], metadata: root.metadata };
  const forPath = await checkOneDocument("prm-path", `protected resource metadata (${target.mcpUrl.pathname})`, urls.forPath, target, http);
  const results = [root.result, forPath.result];
  if (root.metadata && forPath.metadata) {
    const same =
      root.metadata.resource === forPath.metadata.resource &&
      JSON.stringify(root.metadata.authorization_servers) === JSON.stringify(forPath.metadata.authorization_servers);
    if (!same) {
      // A client that finds one document and a client that finds the other must reach the same issuer.
      results[1] = fail("prm-path", forPath.result.title, `differs from the root document (resource ${forPath.metadata.resource} vs ${root.metadata.resource})`);
    }
  }
  return { results, metadata: root.metadata ?? forPath.metadata };
}

async function checkOneDocument(
  id: string,
  title: string,
  url: URL,
  target: VerifyTarget,
  http: HttpOptions,
): Promise<{ result: CheckResult; metadata?: OAuthProtectedResourceMetadata }> {
  const got = await getJson(url, http);
  if (!got.ok) return { result: fail(id, title, `GET ${url.href}: ${got.reason}`) };
  const parsed = OAuthProtectedResourceMetadataSchema.safeParse(got.json);
  if (!parsed.success) return { result: fail(id, title, `${url.href} is not RFC 9728 metadata: ${parsed.error.issues[0]?.message ?? "invalid"}`) };
  const metadata = parsed.data;
  const problem = resourceProblem(metadata.resource, target) ?? authorizationServersProblem(metadata, target) ?? scopesProblem(metadata, target);
  if (problem) return { result: fail(id, title, `${url.href}: ${problem}`), metadata: undefined };
  return {
    result: pass(id, title, `resource ${metadata.resource}, authorization_servers ${(metadata.authorization_servers ?? []).join(", ")}`),
    metadata,
  };
}

function resourceProblem(resource: string, target: VerifyTarget): string | undefined {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return `resource "${resource}" is not a URL`;
  }
  // RFC 8707 §2: an absolute URI without fragment; MCP clients compare it
  // verbatim with the token audience, so a trailing slash is a different resource.
  if (url.hash || url.search) return `resource "${resource}" must not have a query or fragment`;
  if (resource.endsWith("/")) return `resource "${resource}" has a trailing slash; tokens for it would not match MCP_AUDIENCE`;
  if (target.expectedResource !== undefined && resource !== target.expectedResource) {
    return `resource is "${resource}", expected "${target.expectedResource}" (MCP_AUDIENCE of this server)`;
  }
  // The rule MCP SDK clients apply before using the document: same origin,
  // and the endpoint's path starts with the resource's path.
  if (!checkResourceAllowed({ requestedResource: target.mcpUrl, configuredResource: resource })) {
    return `resource "${resource}" does not cover ${target.mcpUrl.href}; MCP clients reject this metadata (check MCP_AUDIENCE)`;
  }
  return undefined;
}

/**
 * The stack's `scopes` output is what the deployed code requires; the live
 * worker derives `scopes_supported` from the same code, so a difference
 * means another build answers (or the deploy did not happen).
 */
function scopesProblem(metadata: OAuthProtectedResourceMetadata, target: VerifyTarget): string | undefined {
  if (target.expectedScopes === undefined) return undefined;
  const served = [...new Set(metadata.scopes_supported ?? [])].sort();
  const expected = [...new Set(target.expectedScopes)].sort();
  if (served.length === expected.length && served.every((scope, i) => scope === expected[i])) return undefined;
  return `scopes_supported is [${served.join(", ")}], but the stack deployed code requiring [${expected.join(", ")}] (servers.<name>.scopes)`;
}

function authorizationServersProblem(metadata: OAuthProtectedResourceMetadata, target: VerifyTarget): string | undefined {
  const servers = metadata.authorization_servers ?? [];
  // RFC 9728 §2 makes the field optional, but MCP clients need it to find Authgent.
  if (servers.length === 0) return "authorization_servers is missing or empty";
  const insecure = servers.find((s) => !isSecureUrl(s));
  if (insecure) return `authorization server "${insecure}" is not an https URL`;
  if (target.expectedIssuer !== undefined && !servers.includes(target.expectedIssuer)) {
    return `authorization_servers ${servers.join(", ")} does not include the stack's issuer ${target.expectedIssuer}`;
  }
  return undefined;
}
