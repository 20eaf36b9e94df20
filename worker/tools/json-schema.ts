/**
 * The JSON Schema subset tool input schemas may use. It is what MCP clients
 * render and what `validate.ts` checks; `FromSchema` turns a schema literal
 * into its argument type so a tool's handler is typed by its own schema.
 */

interface Described {
  readonly description?: string;
}

export interface StringSchema extends Described {
  readonly type: "string";
  /** Unicode code points (JSON Schema 2020-12 §6.3). */
  readonly minLength?: number;
  readonly maxLength?: number;
  /** ECMAScript regular expression, matched with the `u` flag, unanchored. */
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

export interface NumberSchema extends Described {
  readonly type: "number" | "integer";
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface BooleanSchema extends Described {
  readonly type: "boolean";
}

export interface ArraySchema extends Described {
  readonly type: "array";
  readonly items: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface ObjectSchema extends Described {
  readonly type: "object";
  readonly properties: { readonly [name: string]: JsonSchema };
  readonly required?: readonly string[];
  /** Only `false` is enforced. @default true */
  readonly additionalProperties?: boolean;
}

export type JsonSchema = StringSchema | NumberSchema | BooleanSchema | ArraySchema | ObjectSchema;

type RequiredKeys<S extends ObjectSchema> = S["required"] extends readonly (infer K)[] ? K & keyof S["properties"] : never;

type Simplify<T> = { [K in keyof T]: T[K] };

/** The value type a schema admits. */
export type FromSchema<S> = S extends StringSchema
  ? S["enum"] extends readonly (infer E)[]
    ? E
    : string
  : S extends NumberSchema
    ? number
    : S extends BooleanSchema
      ? boolean
      : S extends ArraySchema
        ? FromSchema<S["items"]>[]
        : S extends ObjectSchema
          ? Simplify<
              { [K in RequiredKeys<S>]: FromSchema<S["properties"][K]> } & {
                [K in Exclude<keyof S["properties"], RequiredKeys<S>>]?: FromSchema<S["properties"][K]>;
              }
            >
          : unknown;
