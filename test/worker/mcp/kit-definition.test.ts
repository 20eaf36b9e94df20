import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { compileServer } from "../../../worker/kit/compile.ts";
import { ServerDefinitionError } from "../../../worker/kit/errors.ts";
import { textResult } from "../../../worker/kit/results.ts";
import { tool } from "../../../worker/kit/tool.ts";
import type { ServerDefinition } from "../../../worker/kit/types.ts";
import { fromZod } from "../../../worker/kit/zod.ts";
import { JsonRpcError } from "../../../worker/mcp/jsonrpc.ts";
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
