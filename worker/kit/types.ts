/**
 * What a server author writes: tools, resources, resource templates, prompts
 * and completions, and the context their handlers receive. Shapes follow the
 * MCP schema (type-only imports from `@modelcontextprotocol/sdk/types.js`,
 * nothing of it is bundled).
 */
import type {
  CallToolResult,
  CompleteResult,
  GetPromptResult,
  LoggingLevel,
  ReadResourceResult,
  ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../auth/principal.ts";
import type { Env } from "../env.ts";
import type { FromSchema, ObjectSchema } from "../tools/json-schema.ts";
import type { ServerManifest } from "./manifest.ts";
import type { UserStorage } from "./storage.ts";

/** A JSON Schema 2020-12 document for a tool's `arguments` (MCP: its root is `type: "object"`). */
export type JsonObjectSchema = { readonly type: "object" } & { readonly [keyword: string]: unknown };

/** A schema carrying its TypeScript type, e.g. from `fromZod` (`worker/kit/zod.ts`). */
export interface TypedSchema<T> {
  readonly "~kit": "typed-schema";
  readonly jsonSchema: JsonObjectSchema;
  /** Type-level only; never set. */
  readonly _type?: T;
}

/** The arguments type a tool's `inputSchema` admits. */
export type ArgsOf<S> = S extends TypedSchema<infer T> ? T : S extends ObjectSchema ? FromSchema<S> : Record<string, unknown>;

/** MCP 2026-07-28 "Multi Round-Trip Requests": an elicitation the client answers on a retry. */
export interface InputRequest {
  readonly method: "elicitation/create";
  readonly params: {
    readonly mode?: "form";
    readonly message: string;
    readonly requestedSchema: JsonObjectSchema;
  };
}

/** True for a tool's `inputRequired(...)` answer. */
export function isInputRequired(value: object): value is InputRequired {
  return (value as { "~kit"?: unknown })["~kit"] === "input-required";
}

/** A tool's answer that asks the client for input first (`resultType: "input_required"`). */
export interface InputRequired {
  readonly "~kit": "input-required";
  readonly inputRequests: { readonly [key: string]: InputRequest };
  /** Opaque to the client, echoed back on the retry. */
  readonly requestState?: string;
}

/** Everything a handler may use for one request. */
export interface HandlerContext<E extends Env = Env> {
  /** The Worker's bindings, vars and secrets. */
  readonly env: E;
  /** The verified caller (from the access token). */
  readonly principal: Principal;
  /** The caller's own key-value storage in their Durable Object (counted by the exact rate limit). */
  readonly storage: UserStorage;
  /** Lets work outlive the response (`ExecutionContext.waitUntil`). */
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** Aborted when the client goes away (MCP: closing the response stream cancels the request). */
  readonly signal: AbortSignal;
  /** The MCP revision this request speaks, e.g. "2025-11-25" or "2026-07-28". */
  readonly protocolVersion: string;
  /**
   * Sends `notifications/progress` (only when the request carried a
   * `progressToken` and the client accepts `text/event-stream`; otherwise a no-op).
   */
  readonly progress: (progress: number, total?: number, message?: string) => void;
  /**
   * Sends `notifications/message` at `level` when the client asked for it
   * (`logging/setLevel` in 2025 revisions, `_meta` logLevel per request in
   * 2026-07-28) and accepts `text/event-stream`; otherwise a no-op.
   */
  readonly log: (level: LoggingLevel, data: unknown) => void;
}

export interface ToolContext<E extends Env = Env> extends HandlerContext<E> {
  /** MCP 2026-07-28 MRTR: the client's answers to this tool's earlier `inputRequests`, by key. */
  readonly inputResponses: { readonly [key: string]: unknown } | undefined;
  /** MCP 2026-07-28 MRTR: the `requestState` this tool returned with its `inputRequests`. */
  readonly requestState: string | undefined;
}

export interface ToolDefinition<S = JsonObjectSchema, O = unknown, E extends Env = Env> {
  /** Unique; what clients pass to `tools/call` (MCP: 1–128 of A-Z a-z 0-9 _ - .). */
  readonly name: string;
  readonly title?: string;
  /** Shown to the model; say what the tool does and when to use it. */
  readonly description: string;
  /** JSON Schema 2020-12 object schema of `arguments`, or a `TypedSchema` (`fromZod`). */
  readonly inputSchema: S;
  /** JSON Schema of `structuredContent`; when set, every successful result must carry matching `structuredContent`. */
  readonly outputSchema?: JsonObjectSchema | TypedSchema<O>;
  /** The OAuth scope a caller's token must carry (RFC 6750 §3.1 insufficient_scope otherwise). Required. */
  readonly scope: string;
  /** MCP behaviour hints for clients. */
  readonly annotations?: ToolAnnotations;
  /**
   * Runs with arguments that passed `inputSchema`. Return `toolError(...)` for
   * failures the model should see; thrown errors become JSON-RPC internal
   * errors without detail (typed errors such as rate limits become HTTP answers).
   */
  // Method syntax on purpose: its parameters are checked bivariantly, so
  // tools with different argument types fit one `tools` array.
  handler(args: ArgsOf<S>, context: ToolContext<E>): Promise<CallToolResult | InputRequired>;
}

export interface ResourceDefinition<E extends Env = Env> {
  readonly uri: string;
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
  /** Scope needed to read it. @default none beyond a valid token */
  readonly scope?: string;
  readonly read: (uri: string, context: HandlerContext<E>) => Promise<ReadResourceResult["contents"]>;
}

export interface ResourceTemplateDefinition<E extends Env = Env> {
  /** RFC 6570 level-1 template, e.g. `notes://{id}`. */
  readonly uriTemplate: string;
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
  readonly scope?: string;
  /** Completions for a template variable (`completion/complete` with `ref/resource`). */
  readonly complete?: { readonly [variable: string]: Completer<E> };
  readonly read: (uri: string, variables: Readonly<Record<string, string>>, context: HandlerContext<E>) => Promise<ReadResourceResult["contents"]>;
}

export interface PromptArgument {
  readonly name: string;
  readonly description?: string;
  readonly required?: boolean;
}

export interface PromptDefinition<E extends Env = Env> {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly arguments?: readonly PromptArgument[];
  readonly scope?: string;
  /** Completions for an argument (`completion/complete` with `ref/prompt`). */
  readonly complete?: { readonly [argument: string]: Completer<E> };
  readonly get: (args: Readonly<Record<string, string>>, context: HandlerContext<E>) => Promise<{ readonly description?: string; readonly messages: GetPromptResult["messages"] }>;
}

/** Suggests values for a partially typed argument; `context` holds the other arguments already given. */
export type Completer<E extends Env = Env> = (
  value: string,
  context: { readonly arguments: Readonly<Record<string, string>>; readonly handler: HandlerContext<E> },
) => Promise<readonly string[]> | readonly string[];

export type CompletionResult = CompleteResult["completion"];

export interface ServerDefinition<E extends Env = Env> {
  /** `serverInfo.name`. */
  readonly name: string;
  /** `serverInfo.version`. */
  readonly version: string;
  /** Guidance for the model, sent in `initialize` / `server/discover`. */
  readonly instructions?: string;
  /**
   * What the server needs from its deployment beyond the kit's own bindings
   * (`defineManifest`): KV, D1, R2, queues, services, Hyperdrive, AI,
   * Analytics Engine, vars, secrets, and its own Durable Object classes with
   * their migration ledger. Stacks supply each binding per server
   * (docs/deploying.md "Bindings"). Checked when the server is defined.
   * @default {} — only the kit's bindings
   */
  readonly manifest?: ServerManifest;
  /** Declare each with `tool({...})` so its handler is typed by its schema. */
  readonly tools?: readonly ToolDefinition<unknown, unknown, E>[];
  readonly resources?: readonly ResourceDefinition<E>[];
  readonly resourceTemplates?: readonly ResourceTemplateDefinition<E>[];
  readonly prompts?: readonly PromptDefinition<E>[];
  /** Items per page of every list method (MCP "Pagination"). @default 50 */
  readonly pageSize?: number;
  /** `ttlMs` on 2026-07-28 list results (MCP "Caching"). @default 300000 (5 minutes) */
  readonly listTtlMs?: number;
  /**
   * The scopes a 401 challenge names (`scope="…"`), which MCP clients request
   * first (MCP 2025-11-25 "Scope Selection Strategy"). Each must be a scope
   * some tool, resource or prompt requires. Narrow it (e.g. `["mcp:read"]`)
   * for least privilege only if your clients step up by re-authorizing on a
   * 403: the official TypeScript SDK 1.x answers a 403 by refreshing when it
   * holds a refresh token, and a refresh cannot widen scope (RFC 6749 §6), so
   * its writes would keep failing.
   * @default every scope the server's entries require (its `scopes_supported`)
   */
  readonly initialScopes?: readonly string[];
}
