/**
 * zod v4 schemas for tools. A separate module so that servers declaring their
 * tools in plain JSON Schema never bundle zod (it tree-shakes away).
 *
 * The zod schema is converted once with `z.toJSONSchema` (draft 2020-12) and
 * validated like any JSON Schema (`schema.ts`); zod itself does not run on
 * the hot path. So transforms, refinements and defaults, which have no JSON
 * Schema form, are refused at definition time (`z.toJSONSchema` throws), and
 * the handler receives the arguments as sent.
 */
import type { z } from "zod";
import { toJSONSchema } from "zod/v4/core";
import { ServerDefinitionError } from "./errors.ts";
import type { JsonObjectSchema, TypedSchema } from "./types.ts";

export function fromZod<S extends z.ZodObject>(schema: S): TypedSchema<z.input<S>> {
  let json: Record<string, unknown>;
  try {
    json = toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "throw" }) as Record<string, unknown>;
  } catch (error) {
    throw new ServerDefinitionError("zod schema", `cannot be expressed as JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The draft URI is implied by MCP (2020-12 unless $schema says otherwise); clients need not see it.
  delete json.$schema;
  return { "~kit": "typed-schema", jsonSchema: json as JsonObjectSchema };
}
