import { describe, expect, it } from "vitest";
import { LATEST, MCP_URL, mcpRequest, mintToken, rpc, send, sendWithEnv } from "../mcp/support.ts";
import { TEST_AUDIENCE } from "../../support/worker-pool-options.ts";

const ping = (token: string | undefined, origin: string | null) =>
  mcpRequest(rpc("ping"), { ...(token ? { token } : {}), headers: { origin, "mcp-protocol-version": LATEST } });

describe("Origin validation (DNS rebinding protection)", () => {
  it("answers a foreign Origin with 403 before authentication", async () => {
    const response = await send(ping(undefined, "https://evil.example"));
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a foreign Origin with 403 even with a valid token", async () => {
    const token = await mintToken();
    expect((await send(ping(token, "http://localhost:6274"))).status).toBe(403);
    expect((await send(ping(token, "null"))).status).toBe(403);
  });

  it("serves requests without Origin (not a browser)", async () => {
    const token = await mintToken();
    expect((await send(ping(token, null))).status).toBe(200);
  });

  it("allows the resource's own origin and echoes it", async () => {
    const token = await mintToken();
    const response = await send(ping(token, TEST_AUDIENCE));
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(TEST_AUDIENCE);
    expect(response.headers.get("access-control-expose-headers")).toContain("mcp-session-id");
    expect(response.headers.get("vary")).toContain("origin");
  });

  it("allows origins listed in ALLOWED_ORIGINS", async () => {
    const token = await mintToken();
    const allowed = { ALLOWED_ORIGINS: "https://app.example, http://localhost:6274" };
    for (const origin of ["https://app.example", "http://localhost:6274"]) {
      const response = await sendWithEnv(ping(token, origin), allowed);
      expect(response.status, origin).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
    }
    expect((await sendWithEnv(ping(token, "https://app.example:8443"), allowed)).status).toBe(403);
  });
});

describe("CORS on /mcp", () => {
  it("answers an allowed preflight with the MCP headers and methods", async () => {
    const response = await send(
      new Request(MCP_URL, {
        method: "OPTIONS",
        headers: { origin: TEST_AUDIENCE, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(TEST_AUDIENCE);
    // Exactly the request headers MCP Streamable HTTP clients send beyond the
    // CORS-safelisted ones (Accept is safelisted); nothing for the SSE stream
    // this server does not offer (Last-Event-ID). DPoP clients send a proof
    // (RFC 9449 §4.1) and must read DPoP-Nonce (§9).
    const allowHeaders = (response.headers.get("access-control-allow-headers") ?? "").split(",").map((h) => h.trim());
    expect(allowHeaders.sort()).toEqual(["authorization", "content-type", "dpop", "mcp-protocol-version", "mcp-session-id"]);
    expect(response.headers.get("access-control-expose-headers")).toBe("www-authenticate, dpop-nonce, mcp-session-id");
    expect(response.headers.get("access-control-allow-methods")).toBe("POST, DELETE, OPTIONS");
    expect(response.headers.get("vary")).toBe("origin");
  });

  it("refuses a preflight from a foreign origin", async () => {
    const response = await send(
      new Request(MCP_URL, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets a browser read the 401 challenge (discovery) from an allowed origin", async () => {
    const response = await send(ping(undefined, TEST_AUDIENCE));
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe(TEST_AUDIENCE);
    expect(response.headers.get("access-control-expose-headers")).toContain("www-authenticate");
  });

  it("exposes Mcp-Session-Id on initialize", async () => {
    const token = await mintToken();
    const response = await send(
      mcpRequest(rpc("initialize", { protocolVersion: LATEST, capabilities: {}, clientInfo: { name: "b", version: "1" } }), {
        token,
        headers: { origin: TEST_AUDIENCE },
      }),
    );
    expect(response.headers.get("mcp-session-id")).toBeTruthy();
    expect(response.headers.get("access-control-expose-headers")).toContain("mcp-session-id");
  });
});
