import { SELF } from "cloudflare:test";
import { OAuthProtectedResourceMetadataSchema } from "@modelcontextprotocol/sdk/shared/auth.js";
import { describe, expect, inject, it } from "vitest";
import { compileServer } from "../../../worker/kit/compile.ts";
import { DEFAULT_SERVER } from "../../../worker/tools/server.ts";
import { TEST_AUDIENCE } from "../../support/worker-pool-options.ts";
import { mcpRequest, rpc, sendWithEnv } from "../mcp/support.ts";

const PATHS = ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"];

describe("RFC 9728 protected resource metadata", () => {
  for (const path of PATHS) {
    it(`serves the document at ${path} without authentication`, async () => {
      const response = await SELF.fetch(`${TEST_AUDIENCE}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/json");
      const metadata = OAuthProtectedResourceMetadataSchema.parse(await response.json());
      expect(metadata).toEqual({
        resource: TEST_AUDIENCE,
        authorization_servers: [inject("devIssuer")],
        scopes_supported: ["mcp:read", "mcp:write"],
        bearer_methods_supported: ["header"],
        resource_name: "Authgent MCP server",
        dpop_signing_alg_values_supported: ["ES256"],
        dpop_bound_access_tokens_required: false,
      });
    });

    it(`allows any origin to read ${path} and answers its preflight`, async () => {
      const response = await SELF.fetch(`${TEST_AUDIENCE}${path}`, { headers: { origin: "https://anywhere.example" } });
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      const preflight = await SELF.fetch(`${TEST_AUDIENCE}${path}`, {
        method: "OPTIONS",
        headers: { origin: "https://anywhere.example", "access-control-request-method": "GET" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
      expect(preflight.headers.get("access-control-allow-methods")).toContain("GET");
    });
  }

  it("derives scopes_supported from the default server's tools", () => {
    expect(compileServer(DEFAULT_SERVER).scopes).toEqual(["mcp:read", "mcp:write"]);
  });

  it("hints every scope the server requires in 401 challenges unless the definition narrows it with initialScopes", () => {
    expect(compileServer(DEFAULT_SERVER).challengeScopes).toEqual(["mcp:read", "mcp:write"]);
    const crm = {
      name: "crm",
      version: "1",
      tools: [
        { name: "put", description: "Writes.", scope: "crm:write", inputSchema: { type: "object" as const }, handler: async () => ({ content: [] }) },
        { name: "get", description: "Reads.", scope: "crm:read", inputSchema: { type: "object" as const }, handler: async () => ({ content: [] }) },
      ],
    };
    expect(compileServer(crm).challengeScopes).toEqual(["crm:read", "crm:write"]);
    expect(compileServer({ ...crm, initialScopes: ["crm:read"] }).challengeScopes).toEqual(["crm:read"]);
    expect(() => compileServer({ ...crm, initialScopes: ["crm:admin"] })).toThrow(/server "crm".*initialScopes.*"crm:admin"/);
    expect(() => compileServer({ ...crm, initialScopes: [] })).toThrow(/initialScopes/);
  });

  it("serves the document at the exact URL it advertises for an audience with a path (RFC 9728 §3.1)", async () => {
    const vars = { MCP_AUDIENCE: "https://mcp.test.example/servers/crm/" };
    const challenge = await sendWithEnv(mcpRequest(rpc("ping")), vars);
    const advertised = "https://mcp.test.example/.well-known/oauth-protected-resource/servers/crm";
    expect(challenge.headers.get("www-authenticate")).toBe(`Bearer scope="mcp:read mcp:write", resource_metadata="${advertised}", DPoP scope="mcp:read mcp:write", algs="ES256", resource_metadata="${advertised}"`);
    const response = await sendWithEnv(new Request(advertised), vars);
    expect(response.status).toBe(200);
    // Canonical resource: no trailing slash.
    expect(((await response.json()) as { resource: string }).resource).toBe("https://mcp.test.example/servers/crm");
  });

  it("answers HEAD without a body", async () => {
    const response = await SELF.fetch(`${TEST_AUDIENCE}${PATHS[0]}`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("answers POST with 405 and Allow", async () => {
    const response = await SELF.fetch(`${TEST_AUDIENCE}${PATHS[0]}`, { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});
