/**
 * OAuth discovery as MCP clients do it (MCP authorization spec; RFC 9728,
 * RFC 8414): from an unauthenticated 401 the SDK's own auth helpers find the
 * protected-resource metadata and the authorization server, and the SDK's
 * auth orchestrator sends the user to the right authorization endpoint with
 * the right resource and scope, including the scope challenge on a 403.
 */
import { describe, expect, it } from "vitest";
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  extractResourceMetadataUrl,
  extractWWWAuthenticateParams,
  UnauthorizedError,
} from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SCOPES } from "../../worker/bindings.ts";
import { InMemoryOAuthProvider } from "../support/oauth/in-memory-provider.ts";
import { CLIENT_INFO, mintFor, useSharedE2EWorker } from "./support/harness.ts";

const shared = useSharedE2EWorker();

/**
 * A pre-registered OAuth client that records where the SDK sends the user.
 * The "user" then signs in by having the local issuer mint the token the
 * authorization URL asked for (the local issuer has no login page).
 */
class RecordingProvider extends InMemoryOAuthProvider {
  constructor() {
    super("http://127.0.0.1:1/callback", { clientName: "authgent-e2e", client: { client_id: "e2e-preregistered" } });
  }

  /** Completes the last authorization request the way the AS would: a token for its resource and scope. */
  async signIn(sub: string): Promise<void> {
    const url = this.lastAuthorizationUrl;
    const audience = url.searchParams.get("resource") ?? "";
    const scope = url.searchParams.get("scope") ?? "";
    this.saveTokens({ access_token: await mintFor(shared.issuer, audience, { sub, scope }), token_type: "Bearer" });
  }
}

describe("OAuth discovery from an unauthenticated request", () => {
  it("finds the protected-resource metadata from the 401's WWW-Authenticate header (RFC 9728 §5.1)", async () => {
    const response = await fetch(shared.server.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
    const metadataUrl = extractResourceMetadataUrl(response);
    expect(metadataUrl).toBeInstanceOf(URL);
    expect(extractWWWAuthenticateParams(response).resourceMetadataUrl?.href).toBe(metadataUrl?.href);

    const prm = await discoverOAuthProtectedResourceMetadata(shared.server.mcpUrl, { resourceMetadataUrl: metadataUrl });
    expect(prm.resource).toBe(shared.server.origin);
    expect(prm.authorization_servers).toEqual([shared.issuer.issuer]);
    expect(prm.scopes_supported).toEqual(expect.arrayContaining([SCOPES.read, SCOPES.write]));
    expect(prm.bearer_methods_supported).toEqual(["header"]);
  });

  it("finds the same metadata without the header hint, by the SDK's well-known probing from the MCP URL", async () => {
    const prm = await discoverOAuthProtectedResourceMetadata(shared.server.mcpUrl);
    expect(prm.resource).toBe(shared.server.origin);
    expect(prm.authorization_servers).toEqual([shared.issuer.issuer]);
  });

  it("finds the authorization server's RFC 8414 metadata from the PRM's authorization_servers", async () => {
    const prm = await discoverOAuthProtectedResourceMetadata(shared.server.mcpUrl);
    const asUrl = prm.authorization_servers?.[0];
    expect(asUrl).toBeDefined();
    const metadata = await discoverAuthorizationServerMetadata(asUrl ?? "");
    expect(metadata?.issuer).toBe(shared.issuer.issuer);
    expect(metadata?.jwks_uri).toBe(`${shared.issuer.issuer}/.well-known/jwks.json`);
    expect(metadata?.authorization_endpoint).toBe(`${shared.issuer.issuer}/authorize`);
  });
});

describe("the SDK's auth orchestrator against the worker", () => {
  it("sends the user to the issuer's authorization endpoint for this resource, then connects with the token", async () => {
    const provider = new RecordingProvider();
    const first = new Client(CLIENT_INFO);
    await expect(first.connect(new StreamableHTTPClientTransport(shared.server.mcpUrl, { authProvider: provider }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );

    const url = provider.authorizationUrls.at(-1);
    expect(url && `${url.origin}${url.pathname}`).toBe(`${shared.issuer.issuer}/authorize`);
    // RFC 8707 resource indicator: the token is requested for this server only.
    expect(url?.searchParams.get("resource")).toBe(shared.server.origin);
    expect(url?.searchParams.get("scope")?.split(" ")).toEqual(expect.arrayContaining([SCOPES.read]));
    expect(url?.searchParams.get("code_challenge_method")).toBe("S256");

    await provider.signIn("e2e-oauth-user");
    const client = new Client(CLIENT_INFO);
    await client.connect(new StreamableHTTPClientTransport(shared.server.mcpUrl, { authProvider: provider }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain("hello");
    } finally {
      await client.close();
    }
  });

  it("re-authorizes with exactly the scope a 403 insufficient_scope challenge names (MCP 2025-11-25 scope challenge)", async () => {
    const provider = new RecordingProvider();
    provider.saveTokens({ access_token: await mintFor(shared.issuer, shared.server.origin, { sub: "e2e-upscope", scope: SCOPES.read }), token_type: "Bearer" });
    const client = new Client(CLIENT_INFO);
    await client.connect(new StreamableHTTPClientTransport(shared.server.mcpUrl, { authProvider: provider }));
    try {
      const write = client.callTool({ name: "write_data", arguments: { key: "k", value: "v" } });
      await expect(write).rejects.toBeInstanceOf(UnauthorizedError);
      expect(provider.authorizationUrls.at(-1)?.searchParams.get("scope")).toBe(SCOPES.write);

      await provider.signIn("e2e-upscope");
      const retry = await client.callTool({ name: "write_data", arguments: { key: "k", value: "v" } });
      expect(retry.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
