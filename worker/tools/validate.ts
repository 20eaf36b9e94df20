import type { JsonSchema, ObjectSchema, StringSchema } from "./json-schema.ts";

/** Stop after this many problems; the client needs a few, not thousands. */
const MAX_ERRORS = 10;

const patterns = new WeakMap<StringSchema, RegExp>();

/**
 * Checks `value` against a tool's input schema (the subset in
 * `json-schema.ts`). Returns human-readable problems with their JSON path;
 * empty means valid. A few lines instead of a validator library keep the
 * bundle small and the hot path fast.
 */
export function validate(schema: ObjectSchema, value: unknown): string[] {
  const errors: string[] = [];
  check(schema, value, "arguments", errors);
  return errors.slice(0, MAX_ERRORS);
}

function check(schema: JsonSchema, value: unknown, path: string, errors: string[]): void {
  if (errors.length >= MAX_ERRORS) return;
  switch (schema.type) {
    case "string":
      return checkString(schema, value, path, errors);
    case "number":
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value) || (schema.type === "integer" && !Number.isInteger(value))) {
        errors.push(`${path} must be ${schema.type === "integer" ? "an integer" : "a number"}`);
      } else if (schema.minimum !== undefined && value < schema.minimum) {
        errors.push(`${path} must be at least ${schema.minimum}`);
      } else if (schema.maximum !== undefined && value > schema.maximum) {
        errors.push(`${path} must be at most ${schema.maximum}`);
      }
      return;
    case "boolean":
      if (typeof value !== "boolean") errors.push(`${path} must be a boolean`);
      return;
    case "array":
      if (!Array.isArray(value)) {
        errors.push(`${path} must be an array`);
        return;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path} must have at least ${schema.minItems} items`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${path} must have at most ${schema.maxItems} items`);
      value.forEach((item, i) => check(schema.items, item, `${path}[${i}]`, errors));
      return;
    case "object":
      return checkObject(schema, value, path, errors);
  }
}

function checkString(schema: StringSchema, value: unknown, path: string, errors: string[]): void {
  if (typeof value !== "string") {
    errors.push(`${path} must be a string`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push(`${path} must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
    return;
  }
  // Code points, not UTF-16 units; counting only when the cheap bound is inconclusive.
  const needsCount = (schema.minLength !== undefined && value.length < schema.minLength * 2) || (schema.maxLength !== undefined && value.length > schema.maxLength);
  const length = needsCount ? codePoints(value) : value.length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push(`${path} must be at least ${schema.minLength} characters`);
  } else if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push(`${path} must be at most ${schema.maxLength} characters`);
  } else if (schema.pattern !== undefined && !pattern(schema).test(value)) {
    errors.push(`${path} must match ${schema.pattern}`);
  }
}

function checkObject(schema: ObjectSchema, value: unknown, path: string, errors: string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    errors.push(`${path} must be an object`);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(record, name)) errors.push(`${path}.${name} is required`);
  }
  for (const [name, item] of Object.entries(record)) {
    const property = Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
    if (property) check(property, item, `${path}.${name}`, errors);
    else if (schema.additionalProperties === false) errors.push(`${path}.${name} is not allowed`);
  }
}

function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function pattern(schema: StringSchema): RegExp {
  let re = patterns.get(schema);
  if (!re) {
    re = new RegExp(schema.pattern ?? "", "u");
    patterns.set(schema, re);
  }
  return re;
}
