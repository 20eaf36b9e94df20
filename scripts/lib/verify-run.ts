/** Runs every check against one or more targets, in order, and returns the rows. */
import { checkInvalidTokenRejected, checkUnauthenticatedChallenge } from "./verify-challenge.ts";
import { checkDpopChallenges, checkDpopMetadata } from "./verify-dpop.ts";
import type { HttpOptions } from "./verify-http.ts";
import { checkAuthorizationServerMetadata, checkJwks } from "./verify-issuer.ts";
import { checkMcpSession } from "./verify-mcp.ts";
import { checkProtectedResourceMetadata } from "./verify-prm.ts";
import { skip, type CheckResult } from "./verify-report.ts";
import type { VerifyTarget } from "./verify-target.ts";
import { pinnedFetch } from "./verify-version.ts";

export interface VerifyOptions extends HttpOptions {
  /** Access token for the MCP handshake. @default none: the handshake rows are skipped */
  readonly token?: string;
}

export async function verifyTarget(target: VerifyTarget, given: VerifyOptions): Promise<CheckResult[]> {
  const options = target.workerVersion ? { ...given, fetch: pinnedFetch(given.fetch, target.mcpUrl.origin, target.workerVersion) } : given;
  const results: CheckResult[] = [];
  const prm = await checkProtectedResourceMetadata(target, options);
  results.push(...prm.results);

  const issuers = prm.metadata?.authorization_servers ?? [];
  if (issuers.length === 0) {
    results.push(skip("as-metadata", "authorization server metadata", "no valid protected resource metadata to read the issuer from"));
    results.push(skip("jwks", "issuer JWKS", "no issuer"));
  }
  for (const [i, issuer] of issuers.entries()) {
    const suffix = issuers.length > 1 ? `-${i + 1}` : "";
    const as = await checkAuthorizationServerMetadata(issuer, options, `as-metadata${suffix}`);
    results.push(as.result);
    results.push(as.jwksUri ? await checkJwks(as.jwksUri, options, `jwks${suffix}`) : skip(`jwks${suffix}`, "issuer JWKS", "no jwks_uri"));
  }

  const dpop = await checkDpopMetadata(target, options);
  results.push(dpop.result);
  // RFC 9449 §7.1: a server that requires DPoP offers no Bearer challenge and refuses Bearer tokens.
  const dpopOnly = dpop.dpop?.required === true;
  if (dpopOnly) {
    const why = "the server requires DPoP (dpop_bound_access_tokens_required); see the dpop-* rows";
    results.push(skip("challenge", "unauthenticated POST gets a 401 challenge", why), skip("invalid-token", "forged token is rejected", why));
  } else {
    results.push(await checkUnauthenticatedChallenge(target, prm.metadata?.resource ?? target.expectedResource, options));
    results.push(await checkInvalidTokenRejected(target, options));
  }
  if (dpop.dpop) results.push(...(await checkDpopChallenges(target, dpop.dpop, options)));
  if (dpopOnly) {
    const why = "the server requires DPoP and the handshake sends the token as Bearer";
    results.push(skip("mcp-initialize", "MCP initialize with the token", why), skip("mcp-tools-list", "MCP tools/list with the token", why));
  } else {
    results.push(...(await checkMcpSession(target, options.token, options)));
  }
  return target.label ? results.map((r) => ({ ...r, id: `${target.label}/${r.id}` })) : results;
}

export async function verifyTargets(targets: readonly VerifyTarget[], options: VerifyOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const target of targets) results.push(...(await verifyTarget(target, options)));
  return results;
}
