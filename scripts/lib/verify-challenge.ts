/**
 * What an MCP client sees before it has a token: a 401 whose challenge points
 * at the metadata (RFC 9728 §5.1, MCP "Authorization Server Discovery"), and
 * a garbage token rejected as `invalid_token` (RFC 6750 §3.1).
 */
import { extractWWWAuthenticateParams } from "@modelcontextprotocol/sdk/client/auth.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { getJson, send, type HttpOptions } from "./verify-http.ts";
import { fail, pass, type CheckResult } from "./verify-report.ts";
import type { VerifyTarget } from "./verify-target.ts";

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "authgent-edge-verify", version: "1" } },
});

function post(target: VerifyTarget, http: HttpOptions, authorization?: string) {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  if (authorization) headers.authorization = authorization;
  return send(target.mcpUrl, { method: "POST", headers, body: INITIALIZE }, http);
}

/** Unauthenticated POST: 401, `Bearer` challenge, `resource_metadata` that resolves to this resource's metadata. */
export async function checkUnauthenticatedChallenge(target: VerifyTarget, expectedResource: string | undefined, http: HttpOptions): Promise<CheckResult> {
  const id = "challenge";
  const title = "unauthenticated POST gets a 401 challenge";
  const sent = await post(target, http);
  if (!sent.ok) return fail(id, title, `POST ${target.mcpUrl.href}: ${sent.reason}`);
  const { response } = sent;
  await response.body?.cancel();
  if (response.status !== 401) return fail(id, title, `POST ${target.mcpUrl.href} answered ${response.status}, expected 401; the endpoint is not protected`);
  const header = response.headers.get("www-authenticate");
  // RFC 6750 §3: a 401 from a bearer-protected resource carries a Bearer challenge.
  if (!header || !/^bearer\b/i.test(header.trim())) return fail(id, title, `WWW-Authenticate is ${header ? `"${header}"` : "missing"}, expected a Bearer challenge`);
  const { resourceMetadataUrl } = extractWWWAuthenticateParams(response);
  if (!resourceMetadataUrl) return fail(id, title, `challenge has no resource_metadata="…" parameter (RFC 9728 §5.1); MCP clients cannot discover the issuer`);
  if (resourceMetadataUrl.origin !== target.mcpUrl.origin) {
    return fail(id, title, `resource_metadata points at another origin (${resourceMetadataUrl.href})`);
  }
  const doc = await getJson(resourceMetadataUrl, http);
  if (!doc.ok) return fail(id, title, `resource_metadata ${resourceMetadataUrl.href}: ${doc.reason}`);
  const resource = (doc.json as { resource?: unknown } | null)?.resource;
  if (expectedResource !== undefined && resource !== expectedResource) {
    return fail(id, title, `resource_metadata ${resourceMetadataUrl.href} names resource ${JSON.stringify(resource)}, expected ${expectedResource}`);
  }
  return pass(id, title, `401, Bearer, resource_metadata=${resourceMetadataUrl.href}`);
}

/** A token the issuer never signed must be refused with `invalid_token`, not served or 500. */
export async function checkInvalidTokenRejected(target: VerifyTarget, http: HttpOptions): Promise<CheckResult> {
  const id = "invalid-token";
  const title = "forged token is rejected";
  // A syntactically valid ES256 JWS with a zeroed signature.
  const forged = `${b64url({ alg: "ES256", typ: "JWT", kid: "verify" })}.${b64url({ sub: "verify", exp: 4_102_444_800 })}.${"A".repeat(86)}`;
  const sent = await post(target, http, `Bearer ${forged}`);
  if (!sent.ok) return fail(id, title, `POST ${target.mcpUrl.href}: ${sent.reason}`);
  const { response } = sent;
  await response.body?.cancel();
  if (response.status !== 401) return fail(id, title, `answered ${response.status}, expected 401`);
  const { error } = extractWWWAuthenticateParams(response);
  // RFC 6750 §3.1: a presented but unacceptable token is invalid_token.
  if (error !== "invalid_token") return fail(id, title, `challenge error is ${error ? `"${error}"` : "missing"}, expected "invalid_token"`);
  return pass(id, title, `401, error="invalid_token"`);
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
