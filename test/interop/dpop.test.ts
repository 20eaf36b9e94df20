/**
 * DPoP (RFC 9449) between the real authgent-server 0.3.4 and the bundled
 * worker. Authgent binds a token to the proof key it receives at /token
 * (endpoints/token.py `token_endpoint` → services/dpop_service.py
 * `verify_dpop_proof` → `cnf.jkt`, `token_type: "DPoP"` in
 * services/token_service.py); the worker must accept that token only with a
 * proof by the same key.
 */
import { auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SCOPES } from "../../worker/bindings.ts";
import { CLIENT_INFO, textOf } from "../e2e/support/harness.ts";
import { approveInBrowser, dropNullRegistrationMembers, InMemoryOAuthProvider } from "../support/authgent/oauth-client.ts";
import { describeWithAuthgent, useAuthgent } from "../support/authgent/use-authgent.ts";
import { startAuthgentWorker, type AuthgentWorker } from "../support/authgent/worker.ts";
import { dpopFetch, interopDpopKey, proofFor, type InteropDpopKey } from "./dpop-client.ts";

const BOTH = `${SCOPES.read} ${SCOPES.write}`;
const REDIRECT = "http://127.0.0.1:9/callback";
const HELLO = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "hello", arguments: { name: "DPoP" } } });

describeWithAuthgent("DPoP-bound tokens from authgent-server at the worker", () => {
  const authgent = useAuthgent();
  let mcp: AuthgentWorker;
  let strict: AuthgentWorker;
  beforeAll(async () => {
    mcp = await startAuthgentWorker(authgent.server.issuer);
    strict = await startAuthgentWorker(authgent.server.issuer, { vars: { REQUIRE_DPOP: "true" } });
  });
  afterAll(async () => {
    await Promise.all([mcp?.dispose(), strict?.dispose()]);
  });

  /** client_credentials with a DPoP proof at /token: a token bound to `key`. */
  async function boundToken(key: InteropDpopKey, audience: string): Promise<string> {
    const client = await authgent.server.registerClient({ client_name: "dpop-cc", scope: BOTH });
    const proof = await proofFor(key, "POST", `${authgent.server.origin}/token`);
    const response = await authgent.server.token(
      { grant_type: "client_credentials", client_id: client.client_id, client_secret: client.client_secret ?? "", resource: audience, scope: BOTH },
      { dpop: proof },
    );
    expect(response.token_type).toBe("DPoP");
    return response.access_token;
  }

  function call(worker: AuthgentWorker, authorization: string, proof?: string): Promise<Response> {
    return fetch(worker.mcpUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
        authorization,
        ...(proof === undefined ? {} : { dpop: proof }),
      },
      body: HELLO,
    });
  }

  it("accepts a client_credentials token Authgent bound to the proof key, with a proof by that key", async () => {
    const key = await interopDpopKey();
    const token = await boundToken(key, mcp.audience);
    expect(decodeJwt(token)).toMatchObject({ aud: mcp.audience, cnf: { jkt: key.jkt } });
    const response = await call(mcp, `DPoP ${token}`, await proofFor(key, "POST", mcp.mcpUrl, token));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Hello, DPoP!");
  });

  it("refuses the same token without its proof: as Bearer, with the DPoP scheme alone, with another key's proof, with a replayed proof", async () => {
    const key = await interopDpopKey();
    const token = await boundToken(key, mcp.audience);
    const asBearer = await call(mcp, `Bearer ${token}`);
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    const noProof = await call(mcp, `DPoP ${token}`);
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get("www-authenticate")).toContain('DPoP error="invalid_dpop_proof"');
    const thief = await interopDpopKey();
    const stolen = await call(mcp, `DPoP ${token}`, await proofFor(thief, "POST", mcp.mcpUrl, token));
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get("www-authenticate")).toContain('DPoP error="invalid_token"');
    const proof = await proofFor(key, "POST", mcp.mcpUrl, token);
    expect((await call(mcp, `DPoP ${token}`, proof)).status).toBe(200);
    expect((await call(mcp, `DPoP ${token}`, proof)).status).toBe(401);
  });

  it("a server that requires DPoP refuses Authgent's plain Bearer token and accepts its DPoP-bound one", async () => {
    const client = await authgent.server.registerClient({ client_name: "plain-cc", scope: BOTH });
    const plain = await authgent.server.clientCredentialsToken({ client, resource: strict.audience, scope: BOTH });
    expect(plain.token_type).toBe("Bearer");
    const refused = await call(strict, `Bearer ${plain.access_token}`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token"/);
    const key = await interopDpopKey();
    const token = await boundToken(key, strict.audience);
    expect((await call(strict, `DPoP ${token}`, await proofFor(key, "POST", strict.mcpUrl, token))).status).toBe(200);
  });

  it("runs the whole MCP authorization flow with the SDK client made DPoP-capable, against a server that requires DPoP", async () => {
    const key = await interopDpopKey();
    const tokenUrl = `${authgent.server.issuer}/token`;
    const sent: { url: string; headers: Headers }[] = [];
    const fetchFn = dpopFetch(key, { mcpUrl: strict.mcpUrl, tokenUrl }, dropNullRegistrationMembers(fetch), sent);
    const provider = new InMemoryOAuthProvider(REDIRECT, "dpop-sdk");
    const first = new StreamableHTTPClientTransport(strict.mcpUrl, { authProvider: provider, fetch: fetchFn });
    // 401 with a DPoP-only challenge → RFC 9728 discovery → registration → authorize (PKCE, resource).
    await expect(new Client(CLIENT_INFO).connect(first)).rejects.toThrow(UnauthorizedError);
    expect(await auth(provider, { serverUrl: strict.mcpUrl, authorizationCode: await approveInBrowser(provider.lastAuthorizationUrl, authgent.server.issuer), fetchFn })).toBe("AUTHORIZED");
    const tokens = provider.tokens();
    expect(tokens?.token_type).toBe("DPoP");
    expect(decodeJwt(tokens?.access_token ?? "")).toMatchObject({ aud: strict.audience, cnf: { jkt: key.jkt } });
    expect(sent.find((request) => request.url === tokenUrl)?.headers.has("dpop")).toBe(true);

    const client = new Client(CLIENT_INFO);
    await client.connect(new StreamableHTTPClientTransport(strict.mcpUrl, { authProvider: provider, fetch: fetchFn }));
    expect(textOf(await client.callTool({ name: "hello", arguments: { name: "SDK" } }))).toMatch(/^Hello, SDK!/);
    await client.close();
    // The same code-flow token without the DPoP layer is refused.
    const withoutProof = await call(strict, `Bearer ${tokens?.access_token ?? ""}`);
    expect(withoutProof.status).toBe(401);
  });
});
