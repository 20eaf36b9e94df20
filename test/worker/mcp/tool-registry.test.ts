import { describe, expect, expectTypeOf, it } from "vitest";
import { SCOPES } from "../../../worker/bindings.ts";
import { createRegistry, TOOLS } from "../../../worker/tools/registry.ts";
import { defineTool, textResult } from "../../../worker/tools/tool.ts";
import { validate } from "../../../worker/tools/validate.ts";
import type { ObjectSchema } from "../../../worker/tools/json-schema.ts";

const echo = defineTool({
  name: "echo",
  description: "Echo.",
  inputSchema: {
    type: "object",
    properties: { text: { type: "string" }, times: { type: "integer", minimum: 1 } },
    required: ["text"],
  },
  requiredScope: "mcp:admin",
  handler: async (args) => {
    expectTypeOf(args).toEqualTypeOf<{ text: string; times?: number }>();
    return textResult(args.text.repeat(args.times ?? 1));
  },
});

describe("tool registry", () => {
  it("adding a tool is one entry: it is listed, findable and its scope advertised", () => {
    const registry = createRegistry([...TOOLS, echo]);
    expect(registry.find("echo")).toBe(echo);
    expect(registry.listResult.tools.map((t) => t.name)).toContain("echo");
    expect(registry.scopes).toEqual(["mcp:admin", SCOPES.read, SCOPES.write]);
  });

  it("refuses two tools with one name", () => {
    expect(() => createRegistry([echo, echo])).toThrow(/duplicate tool name "echo"/);
  });

  it("finds only own tool names", () => {
    const registry = createRegistry(TOOLS);
    expect(registry.find("__proto__")).toBeUndefined();
    expect(registry.find("hasOwnProperty")).toBeUndefined();
  });
});

describe("argument validation", () => {
  const schema: ObjectSchema = {
    type: "object",
    properties: {
      s: { type: "string", minLength: 2, maxLength: 3, pattern: "^[a-z😀]+$" },
      e: { type: "string", enum: ["a", "b"] },
      n: { type: "number", minimum: 0, maximum: 1 },
      i: { type: "integer" },
      b: { type: "boolean" },
      list: { type: "array", items: { type: "string" }, maxItems: 2 },
      nested: { type: "object", properties: { x: { type: "string" } }, required: ["x"], additionalProperties: false },
    },
    required: ["s"],
  };

  it("accepts a valid value", () => {
    expect(validate(schema, { s: "ab", e: "a", n: 0.5, i: 3, b: false, list: ["x"], nested: { x: "y" }, extra: 1 })).toEqual([]);
  });

  it("reports each problem with its path", () => {
    expect(validate(schema, { e: "c", n: 2, i: 1.5, b: "yes", list: ["x", 1, "z"], nested: { y: 1 } })).toEqual([
      "arguments.s is required",
      'arguments.e must be one of "a", "b"',
      "arguments.n must be at most 1",
      "arguments.i must be an integer",
      "arguments.b must be a boolean",
      "arguments.list must have at most 2 items",
      "arguments.list[1] must be a string",
      "arguments.nested.x is required",
      "arguments.nested.y is not allowed",
    ]);
  });

  it("counts string length in code points, as JSON Schema does", () => {
    expect(validate(schema, { s: "😀😀" })).toEqual([]);
    expect(validate(schema, { s: "😀😀😀😀" })).toEqual(["arguments.s must be at most 3 characters"]);
    expect(validate(schema, { s: "😀" })).toEqual(["arguments.s must be at least 2 characters"]);
  });

  it("applies the pattern", () => {
    expect(validate(schema, { s: "AB" })).toEqual(["arguments.s must match ^[a-z😀]+$"]);
  });

  it("rejects non-finite and non-number values for numbers", () => {
    expect(validate(schema, { s: "ab", n: "1" })).toEqual(["arguments.n must be a number"]);
  });

  it("stops after ten problems", () => {
    const many: ObjectSchema = { type: "object", properties: {}, additionalProperties: false };
    const value = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect(validate(many, value)).toHaveLength(10);
  });
});
