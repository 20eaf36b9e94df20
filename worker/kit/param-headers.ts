/**
 * MCP 2026-07-28 `x-mcp-header` (basic/transports/streamable-http.mdx
 * "Custom Headers from Tool Parameters"): a tool parameter whose schema names
 * `x-mcp-header: "Region"` is mirrored by clients into `Mcp-Param-Region`,
 * and the server MUST check the header against the argument. The annotation
 * rules are checked when the server is defined, so a tool clients would
 * have to reject never ships.
 */
import { ServerDefinitionError } from "./errors.ts";

/** RFC 9110 §5.1 field-name token: 1*tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE = new Set(["string", "integer", "boolean"]);

export interface ParamHeader {
  /** The header is `Mcp-Param-${name}`. */
  readonly name: string;
  /** The chain of `properties` keys from the root to the parameter. */
  readonly path: readonly string[];
  readonly type: "string" | "integer" | "boolean";
}

/** Every `x-mcp-header` of a tool's input schema, checked against the spec's constraints. */
export function paramHeaders(schema: Record<string, unknown>, offender: string): ParamHeader[] {
  const found: ParamHeader[] = [];
  const reachable = new Set<object>();
  const walk = (node: Record<string, unknown>, path: string[]): void => {
    reachable.add(node);
    const header = node["x-mcp-header"];
    if (header !== undefined && path.length > 0) {
      if (typeof header !== "string" || !TOKEN.test(header)) throw new ServerDefinitionError(offender, `x-mcp-header at ${path.join(".")} must be an HTTP token (RFC 9110 §5.1)`);
      if (typeof node.type !== "string" || !PRIMITIVE.has(node.type)) throw new ServerDefinitionError(offender, `x-mcp-header at ${path.join(".")} needs type string, integer or boolean`);
      if (found.some((h) => h.name.toLowerCase() === header.toLowerCase())) throw new ServerDefinitionError(offender, `x-mcp-header ${JSON.stringify(header)} is used twice (case-insensitively)`);
      found.push({ name: header, path, type: node.type as ParamHeader["type"] });
    }
    const properties = node.properties;
    if (typeof properties === "object" && properties !== null && !Array.isArray(properties)) {
      for (const [key, child] of Object.entries(properties)) {
        if (typeof child === "object" && child !== null && !Array.isArray(child)) walk(child as Record<string, unknown>, [...path, key]);
      }
    }
  };
  walk(schema, []);
  // An annotation anywhere else (items, composition, $defs, …) makes the tool invalid.
  const stray = (node: unknown, at: string): void => {
    if (typeof node !== "object" || node === null) return;
    if (!Array.isArray(node) && !reachable.has(node) && "x-mcp-header" in node) {
      throw new ServerDefinitionError(offender, `x-mcp-header at ${at} is not reachable through properties alone`);
    }
    for (const [key, child] of Object.entries(node)) stray(child, `${at}/${key}`);
  };
  stray(schema, "#");
  if (schema["x-mcp-header"] !== undefined) throw new ServerDefinitionError(offender, "x-mcp-header cannot annotate the schema root");
  return found;
}

/** The argument at `path`, or undefined. */
export function valueAt(args: unknown, path: readonly string[]): unknown {
  let current = args;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current) || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Whether a decoded header value equals the argument ("Server Validation": integers compare numerically). */
export function headerMatches(header: string, value: unknown, type: ParamHeader["type"]): boolean {
  switch (type) {
    case "string":
      return header === value;
    case "boolean":
      return header === String(value) && typeof value === "boolean";
    case "integer":
      return typeof value === "number" && header.trim() !== "" && Number(header) === value;
  }
}
