/**
 * The 401 challenge's `scope` hint as the official SDK client (1.32.2) uses
 * it: MCP 2025-11-25 "Scope Selection Strategy" has the client request the
 * challenge's scope first and fall back to the metadata's `scopes_supported`
 * only without one. Against the development authorization server `npm start`
 * runs (oidc-provider), with discovery, registration, PKCE and the token
 * exchange all done by the SDK.
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { extractWWWAuthenticateParams, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SCOPES } from "../../worker/bindings.ts";
import { authorizeInBrowser } from "../scripts/support/dev-browser.ts";
import { InMemoryOAuthProvider } from "../support/oauth/in-memory-provider.ts";
import { CLIENT_INFO, freePort, startE2EWorker, startLocalIssuer, type E2EWorker, type LocalIssuer } from "./support/harness.ts";

let issuer: LocalIssuer;
let server: E2EWorker;
beforeAll(async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  issuer = await startLocalIssuer({ admin: false, authorizationServer: { resources: { [origin]: [SCOPES.read, SCOPES.write] } } });
  server = await startE2EWorker(issuer, { port });
});
afterAll(async () => {
  await server?.dispose();
  await issuer?.close();
});

it("hints the server's scopes on the 401, and the SDK client asks the authorization server for exactly that, then reads and writes", async () => {
  const unauthenticated = await fetch(server.mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  expect(unauthenticated.status).toBe(401);
  const hinted = `${SCOPES.read} ${SCOPES.write}`;
  expect(extractWWWAuthenticateParams(unauthenticated).scope).toBe(hinted);

  const redirectUrl = "http://127.0.0.1:1/callback";
  const provider = new InMemoryOAuthProvider(redirectUrl);
  await expect(new Client(CLIENT_INFO).connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }))).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  expect(provider.lastAuthorizationUrl.searchParams.get("scope")).toBe(hinted);

  const { callback } = await authorizeInBrowser(provider.lastAuthorizationUrl, redirectUrl);
  await new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }).finishAuth(callback.searchParams.get("code") ?? "");
  expect(decodeJwt(provider.tokens()?.access_token ?? "")).toMatchObject({ aud: server.origin, scope: hinted });

  const client = new Client(CLIENT_INFO);
  await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }));
  try {
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(["hello", "get_data", "write_data"]));
    expect((await client.callTool({ name: "hello", arguments: { name: "hint" } })).isError).toBeFalsy();
    // SDK 1.32.2 cannot widen a token's scope once it holds a refresh token, so a read-only
    // first hint would leave this write failing with 403 for good.
    expect((await client.callTool({ name: "write_data", arguments: { key: "hint", value: "ok" } })).isError).toBeFalsy();
  } finally {
    await client.close();
  }
});
