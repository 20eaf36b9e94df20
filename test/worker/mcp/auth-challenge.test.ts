import { describe, expect, it } from "vitest";
import { TEST_AUDIENCE } from "../../support/worker-pool-options.ts";
import { callTool, json, LATEST, mcpRequest, mintToken, rpc, send } from "./support.ts";

const METADATA = `${TEST_AUDIENCE}/.well-known/oauth-protected-resource`;

describe("/mcp authentication challenges", () => {
  it("answers a request without a token with 401 and a challenge naming the metadata URL and the server's scopes, without error=", async () => {
    const response = await send(mcpRequest(rpc("tools/list")));
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    // RFC 9449 §7.2: Bearer first (what MCP clients parse), then DPoP with its algorithms.
    // MCP 2025-11-25 "Scope Selection Strategy": scope = what the default server's tools need (initialScopes unset).
    expect(challenge).toBe(`Bearer scope="mcp:read mcp:write", resource_metadata="${METADATA}", DPoP scope="mcp:read mcp:write", algs="ES256", resource_metadata="${METADATA}"`);
    expect(challenge).not.toContain("error=");
    expect(response.headers.get("content-type")).toContain("application/json");
  });

  it('answers a bad token with 401 error="invalid_token"', async () => {
    const response = await send(mcpRequest(rpc("tools/list"), { token: "abc.def.ghi" }));
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(`scope="mcp:read mcp:write", resource_metadata="${METADATA}"`);
  });

  it("does not read the body of an unauthenticated request (401, not a parse error)", async () => {
    const response = await send(mcpRequest("{not json"));
    expect(response.status).toBe(401);
  });

  it("answers a tool call without the tool's scope with 403 insufficient_scope naming the scope", async () => {
    const token = await mintToken({ scope: "mcp:read" });
    const response = await callTool(token, "write_data", { key: "k", value: "v" });
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer error="insufficient_scope", scope="mcp:write", resource_metadata="${METADATA}", ` +
        `DPoP error="insufficient_scope", scope="mcp:write", algs="ES256", resource_metadata="${METADATA}"`,
    );
  });

  it("compares scopes case-sensitively and as whole words", async () => {
    const token = await mintToken({ scope: "MCP:READ mcp:readx" });
    const response = await callTool(token, "hello", { name: "x" });
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain('scope="mcp:read"');
  });

  it("lets a token without any scope list tools (each tool demands its own scope)", async () => {
    const token = await mintToken({ scope: null });
    const response = await send(mcpRequest(rpc("tools/list"), { token, headers: { "mcp-protocol-version": LATEST } }));
    expect(response.status).toBe(200);
    expect((await json(response)).result).toBeDefined();
  });
});
