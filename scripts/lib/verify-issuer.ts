/**
 * The authorization server named in the metadata: its RFC 8414 document found
 * the way MCP clients look for it, and the JWKS the worker will verify with.
 */
import { buildDiscoveryUrls } from "@modelcontextprotocol/sdk/client/auth.js";
import { OAuthMetadataSchema, OpenIdProviderDiscoveryMetadataSchema } from "@modelcontextprotocol/sdk/shared/auth.js";
import { getJson, isSecureUrl, type HttpOptions } from "./verify-http.ts";
import { fail, pass, type CheckResult } from "./verify-report.ts";

export interface AuthorizationServerCheck {
  readonly result: CheckResult;
  readonly jwksUri?: string;
}

/**
 * RFC 8414 §3.1 path-insertion first, then OpenID discovery (inserted, then
 * appended): the order MCP clients use (`buildDiscoveryUrls` of the official SDK).
 */
export async function checkAuthorizationServerMetadata(issuer: string, http: HttpOptions, id = "as-metadata"): Promise<AuthorizationServerCheck> {
  const title = `authorization server metadata (${issuer})`;
  const tried: string[] = [];
  for (const { url, type } of buildDiscoveryUrls(issuer)) {
    const got = await getJson(url, http);
    if (!got.ok) {
      tried.push(`${url.href} → ${got.reason}`);
      // Clients move on after a 4xx (not there) but stop at anything else.
      if (got.status !== undefined && got.status >= 400 && got.status < 500) continue;
      return { result: fail(id, title, tried.join("; ")) };
    }
    const schema = type === "oauth" ? OAuthMetadataSchema : OpenIdProviderDiscoveryMetadataSchema;
    const parsed = schema.safeParse(got.json);
    if (!parsed.success) {
      return { result: fail(id, title, `${url.href} is not valid ${type === "oauth" ? "RFC 8414" : "OpenID"} metadata: ${parsed.error.issues[0]?.path.join(".") ?? ""} ${parsed.error.issues[0]?.message ?? ""}`.trim()) };
    }
    const metadata = parsed.data;
    const jwksUri = typeof metadata.jwks_uri === "string" ? metadata.jwks_uri : undefined;
    // RFC 8414 §3.3: the issuer in the document must be identical to the one used to find it.
    if (metadata.issuer !== issuer) return { result: fail(id, title, `${url.href} says issuer "${metadata.issuer}", expected "${issuer}" exactly`) };
    if (!jwksUri) return { result: fail(id, title, `${url.href} has no jwks_uri; the worker cannot verify tokens`) };
    if (!isSecureUrl(jwksUri)) return { result: fail(id, title, `jwks_uri "${jwksUri}" is not https`) };
    // MCP authorization: clients must refuse servers that do not advertise PKCE S256.
    if (!metadata.code_challenge_methods_supported?.includes("S256")) {
      return { result: fail(id, title, `${url.href} does not list S256 in code_challenge_methods_supported; MCP clients refuse to authorize`) };
    }
    return { result: pass(id, title, `${url.href} (${type === "oauth" ? "RFC 8414" : "OpenID discovery"})`), jwksUri };
  }
  return { result: fail(id, title, `no metadata found: ${tried.join("; ")}`) };
}

/** Members that only private or symmetric keys carry (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

export async function checkJwks(jwksUri: string, http: HttpOptions, id = "jwks"): Promise<CheckResult> {
  const title = "issuer JWKS";
  const got = await getJson(jwksUri, http);
  if (!got.ok) return fail(id, title, `GET ${jwksUri}: ${got.reason}`);
  const keys = typeof got.json === "object" && got.json !== null ? (got.json as { keys?: unknown }).keys : undefined;
  // RFC 7517 §5: a JWK Set is an object with a "keys" array.
  if (!Array.isArray(keys)) return fail(id, title, `${jwksUri} has no "keys" array`);
  if (keys.length === 0) return fail(id, title, `${jwksUri} publishes no keys; every token would be rejected`);
  for (const [i, key] of keys.entries()) {
    if (typeof key !== "object" || key === null || typeof (key as { kty?: unknown }).kty !== "string") return fail(id, title, `keys[${i}] has no "kty"`);
    const leaked = PRIVATE_MEMBERS.filter((m) => m in key);
    if (leaked.length > 0) return fail(id, title, `keys[${i}] contains private or symmetric key material (${leaked.join(", ")}); rotate this key now`);
  }
  const kids = keys.map((k) => (k as { kid?: unknown }).kid).filter((kid): kid is string => typeof kid === "string");
  return pass(id, title, `${keys.length} key(s)${kids.length ? `: ${kids.join(", ")}` : ""}`);
}
