/**
 * The bundled worker in workerd, as a real MCP client sees it: the official
 * SDK client over Streamable HTTP with a bearer token from the local issuer.
 */
import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION, McpError, ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { SCOPES } from "../../worker/bindings.ts";
import { CLIENT_INFO, connectClient, mintFor, textOf, useSharedE2EWorker } from "./support/harness.ts";

const shared = useSharedE2EWorker();

describe("the official MCP SDK client against the bundled worker", () => {
  it("initializes, negotiating the SDK's latest protocol revision and learning the server's tool capability", async () => {
    const token = await mintFor(shared.issuer, shared.server.origin);
    const { client, transport } = await connectClient(shared.server.mcpUrl, token);
    try {
      expect(transport.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
      expect(client.getServerCapabilities()?.tools).toBeDefined();
      expect(client.getServerVersion()?.name).toEqual(expect.any(String));
      await expect(client.ping()).resolves.toEqual({});
    } finally {
      await client.close();
    }
  });

  it("lists the three template tools with their input schemas", async () => {
    const { client } = await connectClient(shared.server.mcpUrl, await mintFor(shared.issuer, shared.server.origin));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(["get_data", "hello", "write_data"]);
      const hello = tools.find((tool) => tool.name === "hello");
      expect(hello?.inputSchema).toMatchObject({ type: "object", required: ["name"] });
      const write = tools.find((tool) => tool.name === "write_data");
      expect(write?.inputSchema).toMatchObject({ type: "object", required: ["key", "value"] });
    } finally {
      await client.close();
    }
  });

  it("calls hello, write_data and get_data; get_data returns the stored value and the caller's identity", async () => {
    const token = await mintFor(shared.issuer, shared.server.origin, { sub: "e2e-tools", client_id: "e2e-client" });
    const { client } = await connectClient(shared.server.mcpUrl, token);
    try {
      const hello = await client.callTool({ name: "hello", arguments: { name: "Ada" } });
      expect(hello.isError).toBeFalsy();
      expect(textOf(hello)).toContain("Hello, Ada!");

      const write = await client.callTool({ name: "write_data", arguments: { key: "color", value: "teal" } });
      expect(write.isError).toBeFalsy();

      const read = await client.callTool({ name: "get_data", arguments: {} });
      expect(read.isError).toBeFalsy();
      expect(JSON.parse(textOf(read))).toEqual({
        identity: { sub: "e2e-tools", client_id: "e2e-client", scope: `${SCOPES.read} ${SCOPES.write}`, act: [] },
        data: { color: "teal" },
      });
    } finally {
      await client.close();
    }
  });

  it("reports invalid tool arguments as a tool error result, not a protocol error", async () => {
    const { client } = await connectClient(shared.server.mcpUrl, await mintFor(shared.issuer, shared.server.origin));
    try {
      const result = await client.callTool({ name: "hello", arguments: { name: 42 } });
      expect(result.isError).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("answers an unknown tool with JSON-RPC -32602 (invalid params)", async () => {
    const { client } = await connectClient(shared.server.mcpUrl, await mintFor(shared.issuer, shared.server.origin));
    try {
      const call = client.callTool({ name: "no_such_tool", arguments: {} });
      await expect(call).rejects.toBeInstanceOf(McpError);
      await expect(call).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    } finally {
      await client.close();
    }
  });

  it("lets a read-only token read but shows the client 403 insufficient_scope when it calls write_data", async () => {
    const token = await mintFor(shared.issuer, shared.server.origin, { sub: "e2e-reader", scope: SCOPES.read });
    const { client } = await connectClient(shared.server.mcpUrl, token);
    try {
      expect(textOf(await client.callTool({ name: "hello", arguments: { name: "r" } }))).toContain("Hello, r!");
      const write = client.callTool({ name: "write_data", arguments: { key: "k", value: "v" } });
      await expect(write).rejects.toBeInstanceOf(StreamableHTTPError);
      await expect(write).rejects.toMatchObject({ code: 403 });
      await expect(write).rejects.toThrow(/insufficient_scope/);
      const read = await client.callTool({ name: "get_data", arguments: {} });
      expect(JSON.parse(textOf(read))).toMatchObject({ data: {} });
    } finally {
      await client.close();
    }
  });

  it("refuses to connect without a token: the SDK sees 401", async () => {
    const client = new Client(CLIENT_INFO);
    const connect = client.connect(new StreamableHTTPClientTransport(shared.server.mcpUrl));
    await expect(connect).rejects.toMatchObject({ code: 401 });
  });

  it("refuses a token minted for another resource", async () => {
    const token = await mintFor(shared.issuer, "https://other-mcp.example");
    const client = new Client(CLIENT_INFO);
    const transport = new StreamableHTTPClientTransport(shared.server.mcpUrl, {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    await expect(client.connect(transport)).rejects.toMatchObject({ code: 401 });
  });
});
