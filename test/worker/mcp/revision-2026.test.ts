/**
 * MCP 2026-07-28 per request (docs/specification/2026-07-28: server/discover.mdx,
 * basic/transports/streamable-http.mdx "Request Metadata" and "Server
 * Validation", changelog 2, 5, 8; server/utilities/caching.mdx).
 */
import { describe, expect, it } from "vitest";
import { json, mcpRequest, mintToken, rpc, send } from "./support.ts";

const MODERN = "2026-07-28";
const META = { "io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {} };

function modern(method: string, params: Record<string, unknown>, token: string, headers: Record<string, string | null> = {}): Request {
  const name = typeof params.name === "string" ? params.name : undefined;
  return mcpRequest(rpc(method, { ...params, _meta: META }), {
    token,
    headers: { "mcp-protocol-version": MODERN, "mcp-method": method, ...(name !== undefined ? { "mcp-name": name } : {}), ...headers },
  });
}

describe("MCP 2026-07-28", () => {
  it("answers server/discover with the supported revision, capabilities, serverInfo and cache hints", async () => {
    const token = await mintToken();
    const response = await send(modern("server/discover", {}, token));
    expect(response.status).toBe(200);
    const result = (await json(response)).result as Record<string, unknown>;
    expect(result).toMatchObject({
      resultType: "complete",
      supportedVersions: [MODERN],
      capabilities: { tools: { listChanged: false } },
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "authgent-edge", version: "0.1.0" } },
      cacheScope: "private",
    });
    expect(result.ttlMs).toBeGreaterThanOrEqual(0);
  });

  it("calls a tool statelessly (no initialize, no session) with resultType complete", async () => {
    const token = await mintToken({ sub: "modern-user" });
    const response = await send(modern("tools/call", { name: "hello", arguments: { name: "2026" } }, token));
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    const result = (await json(response)).result as Record<string, unknown>;
    expect(result.resultType).toBe("complete");
    expect(result.content).toEqual([{ type: "text", text: "Hello, 2026! (user: modern-user)" }]);
  });

  it("accepts a Base64-sentinel Mcp-Name", async () => {
    const token = await mintToken();
    const response = await send(modern("tools/call", { name: "hello", arguments: { name: "x" } }, token, { "mcp-name": `=?base64?${btoa("hello")}?=` }));
    expect(response.status).toBe(200);
  });

  it("refuses headers that disagree with the body: 400 with -32020 HeaderMismatch", async () => {
    const token = await mintToken();
    const cases: Record<string, string | null>[] = [
      { "mcp-method": null },
      { "mcp-method": "tools/list" },
      { "mcp-name": null },
      { "mcp-name": "get_data" },
      { "mcp-name": "=?base64?%%%?=" },
      { "mcp-protocol-version": null },
      { "mcp-protocol-version": "2025-11-25" },
    ];
    for (const headers of cases) {
      const response = await send(modern("tools/call", { name: "hello", arguments: { name: "x" } }, token, headers));
      expect(response.status, JSON.stringify(headers)).toBe(400);
      expect(((await json(response)).error as { code: number }).code, JSON.stringify(headers)).toBe(-32020);
    }
  });

  it("answers methods 2026-07-28 removed or never had with 404 and -32601", async () => {
    const token = await mintToken();
    for (const method of ["ping", "logging/setLevel", "bogus/method"]) {
      const response = await send(modern(method, {}, token));
      expect(response.status, method).toBe(404);
      expect(((await json(response)).error as { code: number }).code, method).toBe(-32601);
    }
  });

  it("lists tools with ttlMs and cacheScope", async () => {
    const token = await mintToken();
    const result = (await json(await send(modern("tools/list", {}, token)))).result as Record<string, unknown>;
    expect(result).toMatchObject({ resultType: "complete", cacheScope: "private" });
    expect((result.tools as { name: string }[]).map((t) => t.name)).toEqual(["hello", "get_data", "write_data"]);
  });
});

describe("malformed requests of every revision", () => {
  const REVISIONS = ["2025-03-26", "2025-06-18", "2025-11-25", MODERN];
  const BODIES: [string, unknown][] = [
    ["params is an array", { jsonrpc: "2.0", id: 1, method: "tools/call", params: [] }],
    ["tools/call without a name", rpc("tools/call", { arguments: {} })],
    ["arguments is a string", rpc("tools/call", { name: "hello", arguments: "x" })],
    ["_meta is a string", rpc("tools/list", { _meta: "x" })],
    ["unknown cursor", rpc("tools/list", { cursor: "not-ours" })],
    ["cursor is a number", rpc("prompts/list", { cursor: 5 })],
    ["resources/read without uri", rpc("resources/read", {})],
    ["unknown resource", rpc("resources/read", { uri: "nope://x" })],
    ["prompts/get of an unknown prompt", rpc("prompts/get", { name: "nope" })],
    ["completion/complete without ref", rpc("completion/complete", { argument: { name: "a", value: "b" } })],
    ["completion of an unknown prompt", rpc("completion/complete", { ref: { type: "ref/prompt", name: "x" }, argument: { name: "a", value: "" } })],
    ["logging/setLevel with a bogus level", rpc("logging/setLevel", { level: "loud" })],
    ["a notification", { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }],
    ["a response", { jsonrpc: "2.0", id: 5, result: {} }],
  ];

  it("never answers 5xx, and answers requests with a JSON-RPC error or result", async () => {
    const token = await mintToken();
    for (const version of REVISIONS) {
      for (const [label, body] of BODIES) {
        const message = body as { method?: string; params?: unknown };
        const headers: Record<string, string> = { "mcp-protocol-version": version };
        if (version === MODERN && message.method) {
          headers["mcp-method"] = message.method;
          const params = message.params as { name?: unknown; uri?: unknown } | undefined;
          const name = Array.isArray(params) ? undefined : (params?.name ?? params?.uri);
          if (typeof name === "string") headers["mcp-name"] = name;
          if (!Array.isArray(params) && typeof params === "object" && params !== null && typeof (params as { _meta?: unknown })._meta !== "string") {
            (body as { params: Record<string, unknown> }).params = { ...params, _meta: META };
          }
        }
        const response = await send(mcpRequest(body, { token, headers }));
        const where = `${version} ${label}: HTTP ${response.status}`;
        expect(response.status, where).toBeLessThan(500);
        if ("id" in (body as object) && message.method !== undefined) {
          const answer = await json(response);
          expect("error" in answer || "result" in answer, where).toBe(true);
        } else {
          await response.body?.cancel();
        }
      }
    }
  });

  it("answers plain JSON when the client could receive notifications but the tool sends none", async () => {
    const token = await mintToken();
    const response = await send(
      mcpRequest(rpc("tools/call", { name: "hello", arguments: { name: "x" }, _meta: { ...META, "io.modelcontextprotocol/logLevel": "debug", progressToken: 7 } }), {
        token,
        headers: { "mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": "hello" },
      }),
    );
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(((await json(response)).result as { resultType: string }).resultType).toBe("complete");
  });
});
