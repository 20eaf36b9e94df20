import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { compileServer } from "../../../worker/kit/compile.ts";
import { ServerDefinitionError } from "../../../worker/kit/errors.ts";
import { textResult } from "../../../worker/kit/results.ts";
import { tool } from "../../../worker/kit/tool.ts";
import type { ServerDefinition } from "../../../worker/kit/types.ts";
import { fromZod } from "../../../worker/kit/zod.ts";
import { McpHttpError } from "../../../worker/mcp/errors.ts";
import { JsonRpcError } from "../../../worker/mcp/jsonrpc.ts";
import { checkParamHeaders } from "../../../worker/mcp/modern.ts";
import { page } from "../../../worker/mcp/pagination.ts";
import { DEFAULT_SERVER } from "../../../worker/tools/server.ts";

const echo = tool({
  name: "echo",
  description: "Echo.",
  inputSchema: { type: "object", properties: { text: { type: "string" }, times: { type: "integer", minimum: 1 } }, required: ["text"] },
  scope: "mcp:admin",
  handler: async (args) => {
    expectTypeOf(args).toEqualTypeOf<{ text: string; times?: number }>();
    return textResult(args.text.repeat(args.times ?? 1));
  },
});

function failure(definition: ServerDefinition): ServerDefinitionError {
  try {
    compileServer(definition);
  } catch (error) {
    if (error instanceof ServerDefinitionError) return error;
    throw error;
  }
  throw new Error("the definition was accepted");
}

describe("defineMcpServer definition checks", () => {
  const base = { name: "t", version: "1" };

  it("lists the default server's tools in order with their scopes advertised", () => {
    const server = compileServer(DEFAULT_SERVER);
    expect(server.toolList.map((t) => t.name)).toEqual(["hello", "get_data", "write_data"]);
    expect(server.scopes).toEqual(["mcp:read", "mcp:write"]);
  });

  it("refuses two tools with one name, naming it", () => {
    const error = failure({ ...base, tools: [echo, echo] });
    expect(error.code).toBe("ERR_KIT_DEFINITION");
    expect(error.message).toContain('tool "echo": duplicate tool name');
  });

  it("refuses a tool without a scope, naming it", () => {
    const noScope = tool({ ...echo, name: "open", scope: "" });
    expect(failure({ ...base, tools: [noScope] }).message).toContain('tool "open": every tool needs a "scope"');
  });

  it("refuses invalid schemas, naming the tool and the place", () => {
    const badType = tool({ ...echo, name: "bad_type", inputSchema: { type: "object", properties: { a: { type: "text" } } } });
    expect(failure({ ...base, tools: [badType] }).message).toMatch(/tool "bad_type" inputSchema: invalid schema at #\/properties\/a: unknown type "text"/);
    const badPattern = tool({ ...echo, name: "bad_pattern", inputSchema: { type: "object", properties: { a: { type: "string", pattern: "(" } } } });
    expect(failure({ ...base, tools: [badPattern] }).message).toContain('tool "bad_pattern" inputSchema');
    const notObject = tool({ ...echo, name: "not_object", inputSchema: { type: "string" } as never });
    expect(failure({ ...base, tools: [notObject] }).message).toContain('schema root must have type "object"');
    const badRef = tool({ ...echo, name: "bad_ref", inputSchema: { type: "object", properties: { a: { $ref: "#/$defs/missing" } } } });
    expect(failure({ ...base, tools: [badRef] }).message).toContain('tool "bad_ref" inputSchema: invalid schema');
  });

  it("refuses duplicate prompts and resources", () => {
    const prompt = { name: "p", get: async () => ({ messages: [] }) };
    expect(failure({ ...base, prompts: [prompt, prompt] }).message).toContain('prompt "p": duplicate prompt name');
    const resource = { uri: "notes://a", name: "a", read: async () => [] };
    expect(failure({ ...base, resources: [resource, resource] }).message).toContain('resource "notes://a": duplicate resource URI');
  });

  it("converts zod schemas once and validates with the JSON Schema validator", () => {
    const input = fromZod(z.object({ city: z.string().min(2), days: z.number().int().max(7).optional() }));
    const forecast = tool({
      name: "forecast",
      description: "Forecast.",
      inputSchema: input,
      scope: "mcp:read",
      handler: async (args) => {
        expectTypeOf(args).toEqualTypeOf<{ city: string; days?: number | undefined }>();
        return textResult(args.city);
      },
    });
    const compiled = compileServer({ ...base, tools: [forecast] }).tools.get("forecast");
    expect(compiled?.input.json).toMatchObject({ type: "object", required: ["city"] });
    expect(compiled?.input.check({ city: "Oslo", days: 3 })).toEqual([]);
    expect(compiled?.input.check({ city: "O", days: 8 }).join("\n")).toMatch(/arguments\.city[\s\S]*arguments\.days/);
  });

  it("counts string length in code points, as JSON Schema 2020-12 §6.3 does", () => {
    const check = compileServer(DEFAULT_SERVER).tools.get("write_data")?.input.check;
    expect(check?.({ key: "😀".repeat(128), value: "v" })).toEqual([]);
    expect(check?.({ key: "😀".repeat(129), value: "v" })).not.toEqual([]);
  });
});

describe("pagination cursors (MCP Pagination)", () => {
  it("walks a list page by page and ends without nextCursor", () => {
    const items = ["a", "b", "c", "d", "e"];
    const first = page(items, {}, 2);
    expect(first.items).toEqual(["a", "b"]);
    const second = page(items, { cursor: first.nextCursor }, 2);
    expect(second.items).toEqual(["c", "d"]);
    const last = page(items, { cursor: second.nextCursor }, 2);
    expect(last).toEqual({ items: ["e"] });
  });

  it("refuses cursors it did not issue with -32602", () => {
    for (const cursor of ["x", btoa("o:99"), btoa("o:-1"), btoa("other:2"), 3]) {
      expect(() => page(["a"], { cursor }, 2)).toThrow(JsonRpcError);
    }
  });
});

describe("x-mcp-header (2026-07-28 Custom Headers from Tool Parameters)", () => {
  const base = { name: "t", version: "1" };
  const sql = tool({
    name: "execute_sql",
    description: "Run SQL.",
    inputSchema: {
      type: "object",
      properties: {
        region: { type: "string", "x-mcp-header": "Region" },
        shard: { type: "integer", "x-mcp-header": "Shard" },
        opts: { type: "object", properties: { dry: { type: "boolean", "x-mcp-header": "Dry" } } },
        query: { type: "string" },
      },
      required: ["query"],
    },
    scope: "mcp:read",
    handler: async () => textResult("ok"),
  });
  const server = compileServer({ ...base, tools: [sql] });
  const call = (args: Record<string, unknown>, headers: Record<string, string>) =>
    checkParamHeaders({ kind: "request", id: 1, method: "tools/call", params: { name: "execute_sql", arguments: args } }, new Headers(headers), server);

  it("finds annotated parameters through properties, nested ones included", () => {
    expect(server.tools.get("execute_sql")?.paramHeaders.map((h) => [h.name, h.path.join(".")])).toEqual([
      ["Region", "region"],
      ["Shard", "shard"],
      ["Dry", "opts.dry"],
    ]);
  });

  it("accepts matching headers: plain, Base64-sentinel, integers compared numerically, absent values need none", () => {
    expect(() => call({ query: "q", region: "us-west1", shard: 42, opts: { dry: true } }, { "mcp-param-region": "us-west1", "mcp-param-shard": "42.0", "mcp-param-dry": "true" })).not.toThrow();
    expect(() => call({ query: "q", region: "Hello, 世界" }, { "mcp-param-region": `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode("Hello, 世界")))}?=` })).not.toThrow();
    expect(() => call({ query: "q", region: null }, {})).not.toThrow();
  });

  it("refuses a missing or different header with 400 -32020", () => {
    for (const [args, headers] of [
      [{ query: "q", region: "us" }, {}],
      [{ query: "q", region: "us" }, { "mcp-param-region": "eu" }],
      [{ query: "q", shard: 42 }, { "mcp-param-shard": "forty-two" }],
      [{ query: "q", opts: { dry: false } }, { "mcp-param-dry": "true" }],
    ] as const) {
      let error: unknown;
      try {
        call(args, headers);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(args)).toBeInstanceOf(McpHttpError);
      expect((error as McpHttpError).status).toBe(400);
      expect((error as McpHttpError).jsonRpcCode).toBe(-32020);
    }
  });

  it("refuses annotations clients would have to reject, naming the tool", () => {
    const bad = (properties: Record<string, unknown>) => failure({ ...base, tools: [tool({ ...sql, name: "bad_header", inputSchema: { type: "object", properties } })] }).message;
    expect(bad({ a: { type: "number", "x-mcp-header": "A" } })).toContain('tool "bad_header" inputSchema: x-mcp-header at a needs type string, integer or boolean');
    expect(bad({ a: { type: "string", "x-mcp-header": "Bad Name" } })).toContain("must be an HTTP token");
    expect(bad({ a: { type: "string", "x-mcp-header": "X" }, b: { type: "string", "x-mcp-header": "x" } })).toContain("used twice");
    expect(bad({ list: { type: "array", items: { type: "string", "x-mcp-header": "Item" } } })).toContain("not reachable through properties alone");
  });
});
