/**
 * The official MCP SDK client against the worker inside workerd: if it can
 * connect, list and call tools, and sees scope failures, real clients can.
 * (The bundled worker under Miniflare is exercised end to end in test/e2e.)
 */
import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { MCP_URL, mintToken } from "./support.ts";

async function connect(token: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: (input, init) => SELF.fetch(input instanceof URL ? input.href : input, init),
  });
  const client = new Client({ name: "sdk-in-workerd", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

describe("official MCP SDK client", () => {
  it("initializes, gets a session, lists and calls all three tools", async () => {
    const { client, transport } = await connect(await mintToken({ sub: "sdk-user" }));
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.getServerVersion()?.name).toBe("authgent-edge");

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["get_data", "hello", "write_data"]);

    const hello = await client.callTool({ name: "hello", arguments: { name: "SDK" } });
    expect(hello.content).toEqual([{ type: "text", text: "Hello, SDK! (user: sdk-user)" }]);

    await client.callTool({ name: "write_data", arguments: { key: "via", value: "sdk" } });
    const data = await client.callTool({ name: "get_data", arguments: {} });
    const [first] = data.content as { text: string }[];
    expect(JSON.parse(first?.text ?? "{}")).toMatchObject({ identity: { sub: "sdk-user" }, data: { via: "sdk" } });

    const invalid = await client.callTool({ name: "hello", arguments: {} });
    expect(invalid.isError).toBe(true);

    await client.ping();
    await transport.terminateSession();
    expect(transport.sessionId).toBeUndefined();
    await client.close();
  });

  it("surfaces a missing scope to the client as HTTP 403", async () => {
    const { client } = await connect(await mintToken({ scope: "mcp:read" }));
    const error = await client.callTool({ name: "write_data", arguments: { key: "k", value: "v" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(403);
    await client.close();
  });
});
