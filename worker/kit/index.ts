/**
 * The server kit's public API: what a server module imports. zod support is
 * its own module (`./zod.ts`) so servers without zod never bundle it.
 */
export { defineMcpServer, type McpServerModule } from "./define-server.ts";
export { ServerDefinitionError } from "./errors.ts";
export {
  BINDING_KINDS,
  defineManifest,
  type BindingDeclaration,
  type BindingKind,
  type D1BindingDeclaration,
  type DurableObjectDeclaration,
  type ServerManifest,
} from "./manifest.ts";
export type { BindingRuntimeTypes, EnvOf } from "./manifest-env.ts";
export { elicit, inputRequired, structuredResult, textResult, toolError } from "./results.ts";
export { readTextCapped } from "../http/body.ts";
export type { UserStorage } from "./storage.ts";
export { tool } from "./tool.ts";
export { toolFor } from "./tool-for.ts";
export type {
  Completer,
  HandlerContext,
  JsonObjectSchema,
  PromptDefinition,
  ResourceDefinition,
  ResourceTemplateDefinition,
  ServerDefinition,
  ToolContext,
  ToolDefinition,
  TypedSchema,
} from "./types.ts";
