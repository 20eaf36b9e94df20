import { CallToolResultSchema, JSONRPCErrorResponseSchema, JSONRPCResultResponseSchema, ListToolsResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { MAX_KEYS_PER_USER, MAX_VALUE_BYTES } from "../../../worker/agent/limits.ts";
import { callTool, LATEST, mcpRequest, mintToken, rpc, send } from "./support.ts";

async function toolResult(response: Response) {
  expect(response.status).toBe(200);
  const message = JSONRPCResultResponseSchema.parse(await response.json());
  return CallToolResultSchema.parse(message.result);
}

function text(result: { content: unknown[] }): string {
  const [first] = result.content as { type: string; text: string }[];
  expect(first?.type).toBe("text");
  return first?.text ?? "";
}

describe("tools/list", () => {
  it("lists hello, get_data and write_data with JSON Schema inputs, valid per the SDK", async () => {
    const token = await mintToken();
    const response = await send(mcpRequest(rpc("tools/list", {}), { token, headers: { "mcp-protocol-version": LATEST } }));
    const { tools } = ListToolsResultSchema.parse(JSONRPCResultResponseSchema.parse(await response.json()).result);
    expect(tools.map((tool) => tool.name)).toEqual(["hello", "get_data", "write_data"]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.description).toBeTruthy();
    }
    const writeData = tools.find((tool) => tool.name === "write_data");
    expect(writeData?.inputSchema.required).toEqual(["key", "value"]);
  });
});

describe("tools/call", () => {
  it("hello greets by name and names the caller", async () => {
    const token = await mintToken({ sub: "alice-hello" });
    const result = await toolResult(await callTool(token, "hello", { name: "World" }));
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe("Hello, World! (user: alice-hello)");
  });

  it("get_data returns the caller's identity and an empty store for a new user", async () => {
    const token = await mintToken({ sub: "fresh-user-" + crypto.randomUUID(), scope: "mcp:read" });
    const result = await toolResult(await callTool(token, "get_data"));
    const body = JSON.parse(text(result)) as { identity: Record<string, unknown>; data: Record<string, string> };
    expect(body.identity).toMatchObject({ client_id: "local-dev-client", scope: "mcp:read" });
    expect(String(body.identity.sub)).toMatch(/^fresh-user-/);
    expect(body.data).toEqual({});
  });

  it("write_data stores into the caller's object and get_data reads it back", async () => {
    const token = await mintToken();
    expect(text(await toolResult(await callTool(token, "write_data", { key: "colour", value: "blue" })))).toContain("new key");
    expect(text(await toolResult(await callTool(token, "write_data", { key: "colour", value: "green" })))).toContain("overwritten");
    await toolResult(await callTool(token, "write_data", { key: "size", value: "L" }));
    const body = JSON.parse(text(await toolResult(await callTool(token, "get_data")))) as { data: Record<string, string> };
    expect(body.data).toEqual({ colour: "green", size: "L" });
  });

  it("answers an unknown tool with JSON-RPC -32602", async () => {
    const token = await mintToken();
    const response = await callTool(token, "rm_rf");
    expect(response.status).toBe(200);
    const message = JSONRPCErrorResponseSchema.parse(await response.json());
    expect(message.error.code).toBe(-32602);
    expect(message.error.message).toContain("rm_rf");
  });

  it("does not treat inherited object keys as tools", async () => {
    const token = await mintToken();
    for (const name of ["__proto__", "constructor", "toString"]) {
      const message = JSONRPCErrorResponseSchema.parse(await (await callTool(token, name)).json());
      expect(message.error.code).toBe(-32602);
    }
  });

  it("answers tools/call without a name, or with non-object arguments, with -32602", async () => {
    const token = await mintToken();
    const headers = { "mcp-protocol-version": LATEST };
    for (const params of [{}, { name: 5 }, { name: "hello", arguments: ["x"] }, { name: "hello", arguments: "x" }]) {
      const response = await send(mcpRequest(rpc("tools/call", params), { token, headers }));
      expect(JSONRPCErrorResponseSchema.parse(await response.json()).error.code, JSON.stringify(params)).toBe(-32602);
    }
  });

  it("reports invalid arguments as a tool error result (isError) naming the problem", async () => {
    const token = await mintToken();
    const missing = await toolResult(await callTool(token, "hello", {}));
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/arguments: .*required property "name"/);
    const wrongType = await toolResult(await callTool(token, "write_data", { key: 1, value: "v" }));
    expect(wrongType.isError).toBe(true);
    expect(text(wrongType)).toMatch(/arguments\.key: .*"string"/);
  });

  it("treats missing arguments as {} (valid for get_data)", async () => {
    const token = await mintToken();
    const response = await send(mcpRequest(rpc("tools/call", { name: "get_data" }), { token, headers: { "mcp-protocol-version": LATEST } }));
    expect((await toolResult(response)).isError).toBeFalsy();
  });

  it("checks the scope before the arguments", async () => {
    const token = await mintToken({ scope: "mcp:read" });
    expect((await callTool(token, "write_data", { key: 1 })).status).toBe(403);
  });

  it("refuses a value over the byte limit as a tool error, storing nothing", async () => {
    const token = await mintToken();
    // Within the schema's character limit, over the byte limit: 3 bytes per character.
    const value = "€".repeat(Math.floor(MAX_VALUE_BYTES / 3) + 1);
    const result = await toolResult(await callTool(token, "write_data", { key: "big", value }));
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`${MAX_VALUE_BYTES} bytes`);
    const body = JSON.parse(text(await toolResult(await callTool(token, "get_data")))) as { data: Record<string, string> };
    expect(body.data).toEqual({});
  });

  it(`refuses key number ${MAX_KEYS_PER_USER + 1} but still allows overwriting`, async () => {
    const token = await mintToken();
    for (let i = 0; i < MAX_KEYS_PER_USER; i++) {
      expect((await toolResult(await callTool(token, "write_data", { key: `k${i}`, value: "v" }))).isError).toBeFalsy();
    }
    const refused = await toolResult(await callTool(token, "write_data", { key: "one-more", value: "v" }));
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain(`${MAX_KEYS_PER_USER} keys`);
    expect((await toolResult(await callTool(token, "write_data", { key: "k0", value: "w" }))).isError).toBeFalsy();
  });
});

describe("write_data key length", () => {
  it("stores a key of 100 emoji (200 UTF-16 units, 100 code points): schema and Durable Object count alike", async () => {
    const token = await mintToken();
    const stored = await toolResult(await callTool(token, "write_data", { key: "😀".repeat(100), value: "v" }));
    expect(stored.isError).toBeFalsy();
    expect(text(stored)).toContain("new key");
    const tooLong = await toolResult(await callTool(token, "write_data", { key: "😀".repeat(129), value: "v" }));
    expect(tooLong.isError).toBe(true);
  });
});
