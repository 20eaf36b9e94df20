import { InitializeResultSchema, JSONRPCResultResponseSchema, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { SUPPORTED_PROTOCOL_VERSIONS as OURS } from "../../../worker/mcp/protocol.ts";
import { initializeParams, json, mcpRequest, mintToken, rpc, send } from "./support.ts";

let token: string;
beforeAll(async () => {
  token = await mintToken();
});

async function initialize(protocolVersion: string) {
  const response = await send(mcpRequest(rpc("initialize", initializeParams(protocolVersion)), { token }));
  expect(response.status).toBe(200);
  const message = JSONRPCResultResponseSchema.parse(await response.json());
  return { response, result: InitializeResultSchema.parse(message.result) };
}

describe("initialize", () => {
  it("supports exactly the revisions 2025-03-26, 2025-06-18 and 2025-11-25, all known to the SDK", () => {
    expect([...OURS].sort()).toEqual(["2025-03-26", "2025-06-18", "2025-11-25"]);
    for (const version of OURS) expect(SUPPORTED_PROTOCOL_VERSIONS).toContain(version);
  });

  for (const version of ["2025-03-26", "2025-06-18", "2025-11-25"]) {
    it(`echoes the client's supported revision ${version}`, async () => {
      const { result } = await initialize(version);
      expect(result.protocolVersion).toBe(version);
    });
  }

  it("offers the latest revision to a client asking for one it does not support", async () => {
    expect((await initialize("2024-11-05")).result.protocolVersion).toBe("2025-11-25");
    expect((await initialize("1999-01-01")).result.protocolVersion).toBe("2025-11-25");
  });

  it("declares the tools capability and names the server", async () => {
    const { result } = await initialize("2025-11-25");
    expect(result.capabilities.tools).toEqual({ listChanged: false });
    expect(result.serverInfo.name).toBe("authgent-edge");
    expect(result.serverInfo.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("starts a session and returns its id in Mcp-Session-Id", async () => {
    const { response } = await initialize("2025-11-25");
    expect(response.headers.get("mcp-session-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("ignores an MCP-Protocol-Version header on initialize (negotiation happens in the body)", async () => {
    const response = await send(
      mcpRequest(rpc("initialize", initializeParams("2025-06-18")), { token, headers: { "mcp-protocol-version": "bogus" } }),
    );
    expect(response.status).toBe(200);
  });

  it("answers initialize without a protocolVersion with -32602", async () => {
    const response = await send(mcpRequest(rpc("initialize", { capabilities: {} }), { token }));
    expect(response.status).toBe(200);
    expect(((await json(response)).error as { code: number }).code).toBe(-32602);
  });
});

describe("MCP-Protocol-Version header", () => {
  it("rejects an unsupported revision with 400 and -32022 listing every supported revision (2026-07-28 UnsupportedProtocolVersionError)", async () => {
    for (const version of ["2024-11-05", "2026-01-01", "latest", ""]) {
      const response = await send(mcpRequest(rpc("ping", undefined, 77), { token, headers: { "mcp-protocol-version": version } }));
      expect(response.status, version).toBe(400);
      const body = await json(response);
      expect(body.id).toBe(77);
      const error = body.error as { code: number; data: { supported: string[]; requested: string } };
      expect(error.code).toBe(-32022);
      expect(error.data.supported).toEqual(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]);
      expect(error.data.requested).toBe(version);
    }
  });

  it("rejects an unsupported revision on notifications too", async () => {
    const response = await send(
      mcpRequest({ jsonrpc: "2.0", method: "notifications/initialized" }, { token, headers: { "mcp-protocol-version": "2024-11-05" } }),
    );
    expect(response.status).toBe(400);
  });

  it("serves a request without the header as 2025-03-26", async () => {
    const response = await send(mcpRequest(rpc("ping"), { token }));
    expect(response.status).toBe(200);
  });

  it("serves every supported revision", async () => {
    for (const version of OURS) {
      const response = await send(mcpRequest(rpc("ping"), { token, headers: { "mcp-protocol-version": version } }));
      expect(response.status, version).toBe(200);
    }
  });
});
