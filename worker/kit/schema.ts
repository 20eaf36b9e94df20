/**
 * Tool schemas: checked once when the server is defined, validated on every
 * call with `@cfworker/json-schema`. Chosen because it implements JSON Schema
 * 2020-12 (MCP 2026-07-28 allows any 2020-12 keyword, SEP-2106) without
 * `eval`/`new Function`, which workerd forbids, is ~6 KB gzip, and is the
 * Workers provider the official SDK 2.x ships (`validators/cf-worker`).
 * Ajv generates code and cannot run on Workers; zod validates only zod schemas.
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import { ServerDefinitionError } from "./errors.ts";
import type { JsonObjectSchema, TypedSchema } from "./types.ts";

/** Stop after this many problems; the model needs a few, not thousands. */
const MAX_ERRORS = 10;

const KNOWN_TYPES = new Set(["array", "boolean", "integer", "null", "number", "object", "string"]);

export interface CompiledSchema {
  readonly json: JsonObjectSchema;
  /** Problems with `value`, each with its JSON pointer; empty means valid. */
  check(value: unknown): string[];
}

export function isTypedSchema(schema: unknown): schema is TypedSchema<unknown> {
  return typeof schema === "object" && schema !== null && (schema as { "~kit"?: unknown })["~kit"] === "typed-schema";
}

/**
 * Checks `schema` (a JSON Schema object or a `TypedSchema`) and compiles it;
 * throws `ServerDefinitionError` naming `offender` for anything a client
 * could not use: a root other than `type: "object"`, malformed keywords,
 * unknown types, invalid `pattern`s or unresolvable `$ref`s.
 */
export function compileSchema(schema: unknown, offender: string): CompiledSchema {
  const json = isTypedSchema(schema) ? schema.jsonSchema : schema;
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ServerDefinitionError(offender, "schema must be a JSON Schema object");
  const root = json as Record<string, unknown>;
  // MCP "Tools": inputSchema/outputSchema root must be type "object".
  if (root.type !== "object") throw new ServerDefinitionError(offender, `schema root must have type "object", got ${JSON.stringify(root.type)}`);
  checkKeywords(root, "#", offender);
  checkRefs(root, root, offender);
  let validator: Validator;
  try {
    validator = new Validator(root as Schema, "2020-12", false);
    // Resolves every $ref and compiles every pattern once, so a broken schema fails here, not on a client's call.
    validator.validate({});
  } catch (error) {
    throw new ServerDefinitionError(offender, `invalid schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    json: root as JsonObjectSchema,
    check(value) {
      const result = validator.validate(value);
      if (result.valid) return [];
      // The innermost failures say the most; the wrapping "properties"/"allOf" units repeat them.
      const leaves = result.errors.filter((unit) => !["properties", "allOf", "anyOf", "oneOf", "items", "prefixItems", "$ref"].includes(unit.keyword));
      const units = leaves.length > 0 ? leaves : result.errors;
      return units.slice(0, MAX_ERRORS).map((unit) => `${pathOf(unit.instanceLocation)}: ${unit.error}`);
    },
  };
}

/** Every `$ref` must be local ("#…") and resolve: external documents are never fetched (Workers, no network at validation). */
function checkRefs(node: unknown, root: Record<string, unknown>, offender: string): void {
  if (typeof node !== "object" || node === null) return;
  if (Array.isArray(node)) return node.forEach((item) => checkRefs(item, root, offender));
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string") {
      if (!value.startsWith("#") || resolvePointer(root, value.slice(1)) === undefined) {
        throw new ServerDefinitionError(offender, `invalid schema: $ref ${JSON.stringify(value)} does not resolve within the schema`);
      }
    } else {
      checkRefs(value, root, offender);
    }
  }
}

function resolvePointer(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  let current: unknown = root;
  for (const raw of pointer.replace(/^\//, "").split("/")) {
    const part = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** "#/items/0/name" → "arguments.items[0].name": what the model sees. */
function pathOf(pointer: string): string {
  const parts = pointer.replace(/^#\/?/, "").split("/").filter((part) => part !== "");
  return parts.reduce((path, part) => {
    const name = part.replace(/~1/g, "/").replace(/~0/g, "~");
    return /^\d+$/.test(name) ? `${path}[${name}]` : `${path}.${name}`;
  }, "arguments");
}

function checkKeywords(schema: Record<string, unknown>, at: string, offender: string): void {
  const fail = (problem: string): never => {
    throw new ServerDefinitionError(offender, `invalid schema at ${at}: ${problem}`);
  };
  const { type, properties, required, items, pattern } = schema;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    for (const t of types) if (typeof t !== "string" || !KNOWN_TYPES.has(t)) fail(`unknown type ${JSON.stringify(t)}`);
  }
  if (required !== undefined && !(Array.isArray(required) && required.every((name) => typeof name === "string"))) fail('"required" must be an array of strings');
  if (pattern !== undefined) {
    if (typeof pattern !== "string") fail('"pattern" must be a string');
    try {
      new RegExp(pattern as string, "u");
    } catch {
      fail(`"pattern" ${JSON.stringify(pattern)} is not a valid regular expression`);
    }
  }
  for (const keyword of ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"]) {
    const bound = schema[keyword];
    if (bound !== undefined && !(Number.isInteger(bound) && (bound as number) >= 0)) fail(`"${keyword}" must be a non-negative integer`);
  }
  if (properties !== undefined) {
    if (typeof properties !== "object" || properties === null || Array.isArray(properties)) fail('"properties" must be an object');
    for (const [name, child] of Object.entries(properties as Record<string, unknown>)) {
      if (typeof child === "boolean") continue;
      if (typeof child !== "object" || child === null || Array.isArray(child)) fail(`property "${name}" must be a schema`);
      checkKeywords(child as Record<string, unknown>, `${at}/properties/${name}`, offender);
    }
  }
  if (items !== undefined && typeof items === "object" && items !== null && !Array.isArray(items)) {
    checkKeywords(items as Record<string, unknown>, `${at}/items`, offender);
  }
  for (const keyword of ["anyOf", "oneOf", "allOf"]) {
    const list = schema[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) fail(`"${keyword}" must be a non-empty array`);
    (list as unknown[]).forEach((child, i) => {
      if (typeof child === "object" && child !== null) checkKeywords(child as Record<string, unknown>, `${at}/${keyword}/${i}`, offender);
    });
  }
}
