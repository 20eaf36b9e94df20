/**
 * The development authorization server `npm start` runs (scripts/lib/dev-authorization-server.ts
 * on oidc-provider), driven over HTTP the way an MCP client and a browser use it.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalIssuer, type LocalIssuer } from "../../scripts/lib/local-issuer.ts";
import { authorizeInBrowser } from "./support/dev-browser.ts";
import {
  authorizationUrl as authorizationUrlFor,
  codeFlow as codeFlowFor,
  pkcePair as pkce,
  registerClient,
  registerPublicClient,
  TEST_REDIRECT_URI as REDIRECT_URI,
  tokenRequest,
  type AsMetadata as Metadata,
} from "./support/dev-oauth-client.ts";

const RESOURCE = "http://127.0.0.1:8787";

let issuer: LocalIssuer;
let metadata: Metadata;
beforeAll(async () => {
  issuer = await startLocalIssuer({ admin: false, authorizationServer: { resources: { [RESOURCE]: ["mcp:read", "mcp:write"] } } });
  metadata = (await (await fetch(`${issuer.origin}/.well-known/oauth-authorization-server/t/dev`)).json()) as Metadata;
});
afterAll(() => issuer.close());

const register = (body: Record<string, unknown>) => registerClient(metadata, body);
const publicClient = () => registerPublicClient(metadata);
const authorizationUrl = (clientId: string, params: Record<string, string>) => authorizationUrlFor(metadata, clientId, params);
const token = (params: Record<string, string>, headers: Record<string, string> = {}) => tokenRequest(metadata, params, headers);
const codeFlow = (scope: string) => codeFlowFor(metadata, RESOURCE, scope);

describe("development authorization server metadata", () => {
  it("is served at the RFC 8414 §3.1 path-inserted URL for the issuer it names", () => {
    expect(metadata.issuer).toBe(issuer.issuer);
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials"]));
    expect(metadata.jwks_uri).toBe(`${issuer.issuer}/.well-known/jwks.json`);
  });

  it("names endpoints that exist (none answers 404)", async () => {
    const statuses = await Promise.all([
      fetch(metadata.authorization_endpoint).then((r) => r.status),
      fetch(metadata.token_endpoint, { method: "POST" }).then((r) => r.status),
      fetch(metadata.registration_endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).then((r) => r.status),
      fetch(metadata.jwks_uri).then((r) => r.status),
    ]);
    expect(statuses).not.toContain(404);
    expect(statuses[3]).toBe(200);
  });
});

describe("dynamic client registration from a browser", () => {
  it("answers the CORS preflight and the registration for a web client's origin", async () => {
    const origin = "http://localhost:6274";
    const preflight = await fetch(metadata.registration_endpoint, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type");
    const registered = await fetch(metadata.registration_endpoint, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: [`${origin}/oauth/callback`], token_endpoint_auth_method: "none" }),
    });
    expect(registered.status).toBe(201);
    expect(registered.headers.get("access-control-allow-origin")).toBe(origin);
  });
});

describe("authorization code + PKCE with a dynamically registered client", () => {
  it("grants only the scope asked for, in an Authgent-shaped ES256 token for the resource", async () => {
    const { tokens, consentPage, clientId } = await codeFlow("mcp:read");
    expect(consentPage).toContain("For local development only");
    expect(tokens.scope).toBe("mcp:read");
    const accessToken = tokens.access_token ?? "";
    const header = decodeProtectedHeader(accessToken);
    expect(header).toMatchObject({ alg: "ES256", typ: "JWT" });
    expect(header.kid).toEqual(expect.any(String));
    const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(metadata.jwks_uri)), { issuer: issuer.issuer, audience: RESOURCE });
    expect(payload).toMatchObject({ sub: "dev-user", client_id: clientId, scope: "mcp:read", aud: RESOURCE });
    expect(payload.jti).toEqual(expect.any(String));
  });

  it("issues a refresh token that yields a new access token", async () => {
    const { tokens, clientId } = await codeFlow("mcp:read mcp:write");
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token ?? "", client_id: clientId, resource: RESOURCE });
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.scope).toBe("mcp:read mcp:write");
  });

  it("refuses an authorization request without PKCE", async () => {
    const { client_id: clientId } = await publicClient();
    const outcome = await authorizeInBrowser(authorizationUrl(clientId, { scope: "mcp:read", resource: RESOURCE }), REDIRECT_URI);
    expect(outcome.callback.searchParams.get("error")).toBe("invalid_request");
    expect(outcome.callback.searchParams.get("code")).toBeNull();
  });

  it("refuses PKCE method plain (S256 only)", async () => {
    const { client_id: clientId } = await publicClient();
    const outcome = await authorizeInBrowser(
      authorizationUrl(clientId, { scope: "mcp:read", resource: RESOURCE, code_challenge: "x".repeat(43), code_challenge_method: "plain" }),
      REDIRECT_URI,
    );
    expect(outcome.callback.searchParams.get("error")).toBe("invalid_request");
  });

  it("refuses a resource it does not issue tokens for (RFC 8707 invalid_target)", async () => {
    const { client_id: clientId } = await publicClient();
    const { challenge } = pkce();
    const outcome = await authorizeInBrowser(
      authorizationUrl(clientId, { scope: "mcp:read", resource: "https://elsewhere.example", code_challenge: challenge, code_challenge_method: "S256" }),
      REDIRECT_URI,
    );
    expect(outcome.callback.searchParams.get("error")).toBe("invalid_target");
  });
});

describe("client credentials", () => {
  it("issues a token whose sub names the client, with the scope asked for", async () => {
    const client = await register({ redirect_uris: [], response_types: [], grant_types: ["client_credentials"], token_endpoint_auth_method: "client_secret_basic" });
    const basic = Buffer.from(`${client.client_id}:${client.client_secret ?? ""}`).toString("base64");
    const tokens = await token({ grant_type: "client_credentials", scope: "mcp:write", resource: RESOURCE }, { authorization: `Basic ${basic}` });
    const { payload } = await jwtVerify(tokens.access_token ?? "", createRemoteJWKSet(new URL(metadata.jwks_uri)), { issuer: issuer.issuer, audience: RESOURCE });
    expect(payload).toMatchObject({ sub: `client:${client.client_id}`, client_id: client.client_id, scope: "mcp:write" });
  });
});

describe("resources set after start (npm start reads them from the worker)", () => {
  it("serves the scopes set before the first request, and refuses a change after it", async () => {
    const late = await startLocalIssuer({ admin: false, authorizationServer: { resources: { [RESOURCE]: ["mcp:read"] } } });
    try {
      late.authorizationServer?.setResources({ [RESOURCE]: ["notes:read"] });
      const lateMetadata = (await (await fetch(`${late.origin}/.well-known/oauth-authorization-server/t/dev`)).json()) as Metadata & { scopes_supported: string[] };
      expect(lateMetadata.scopes_supported).toContain("notes:read");
      expect(lateMetadata.scopes_supported).not.toContain("mcp:read");
      expect(() => late.authorizationServer?.setResources({ [RESOURCE]: ["mcp:read"] })).toThrow(/already served/);
    } finally {
      await late.close();
    }
  });
});

describe("the directly minted dev token", () => {
  it("verifies against the same JWKS as the authorization server's tokens", async () => {
    const minted = await issuer.mint(RESOURCE, { claims: { scope: "mcp:read mcp:write" } });
    const { payload } = await jwtVerify(minted, createRemoteJWKSet(new URL(metadata.jwks_uri)), { issuer: issuer.issuer, audience: RESOURCE });
    expect(payload.scope).toBe("mcp:read mcp:write");
  });
});
