/**
 * A hand-driven OAuth 2.1 client for the development authorization server:
 * RFC 7591 registration, authorization code + PKCE S256 (RFC 7636) with an
 * RFC 8707 resource, through `authorizeInBrowser`. For tests that need a
 * particular scope, which the MCP SDK would choose for itself.
 */
import { createHash, randomBytes } from "node:crypto";
import { authorizeInBrowser } from "./dev-browser.ts";

export interface AsMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly registration_endpoint: string;
  readonly jwks_uri: string;
  readonly code_challenge_methods_supported: readonly string[];
  readonly grant_types_supported: readonly string[];
}

export interface TokenResponse {
  readonly access_token?: string;
  readonly refresh_token?: string;
  readonly scope?: string;
  readonly error?: string;
}

export const TEST_REDIRECT_URI = "http://127.0.0.1:9999/callback";

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export async function registerClient(metadata: AsMetadata, body: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string }> {
  const response = await fetch(metadata.registration_endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`registration failed: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as { client_id: string; client_secret?: string };
}

export function registerPublicClient(metadata: AsMetadata): Promise<{ client_id: string }> {
  return registerClient(metadata, {
    redirect_uris: [TEST_REDIRECT_URI],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    client_name: "test client",
  });
}

export function authorizationUrl(metadata: AsMetadata, clientId: string, params: Record<string, string>): URL {
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: TEST_REDIRECT_URI, state: "s1", ...params }).toString();
  return url;
}

export async function tokenRequest(metadata: AsMetadata, params: Record<string, string>, headers: Record<string, string> = {}): Promise<TokenResponse> {
  const response = await fetch(metadata.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params),
  });
  return (await response.json()) as TokenResponse;
}

/** Registers a public client and runs the code flow for `scope` on `resource`. */
export async function codeFlow(
  metadata: AsMetadata,
  resource: string,
  scope: string,
): Promise<{ tokens: TokenResponse; consentPage: string; clientId: string }> {
  const { client_id: clientId } = await registerPublicClient(metadata);
  const { verifier, challenge } = pkcePair();
  const outcome = await authorizeInBrowser(authorizationUrl(metadata, clientId, { scope, resource, code_challenge: challenge, code_challenge_method: "S256" }), TEST_REDIRECT_URI);
  const code = outcome.callback.searchParams.get("code");
  if (!code) throw new Error(`no code: ${outcome.callback.href}`);
  const tokens = await tokenRequest(metadata, { grant_type: "authorization_code", code, redirect_uri: TEST_REDIRECT_URI, client_id: clientId, code_verifier: verifier, resource });
  return { tokens, consentPage: outcome.consentPage, clientId };
}
