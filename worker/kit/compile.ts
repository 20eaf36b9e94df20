/**
 * Turns a `ServerDefinition` into what the protocol layer serves, checking it
 * on the way: every problem is a `ServerDefinitionError` naming its entry, at
 * module evaluation, so a broken server never builds.
 */
import type { Prompt, Resource, ResourceTemplate, ServerCapabilities, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Env } from "../env.ts";
import { ServerDefinitionError } from "./errors.ts";
import type { ServerManifest } from "./manifest.ts";
import { checkManifest } from "./manifest-check.ts";
import { paramHeaders, type ParamHeader } from "./param-headers.ts";
import { compileSchema, type CompiledSchema } from "./schema.ts";
import type { PromptDefinition, ResourceDefinition, ResourceTemplateDefinition, ServerDefinition, ToolDefinition } from "./types.ts";

/** MCP 2025-11-25 "Tool Names": 1–128 characters of A-Z a-z 0-9 _ - . */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** Names of tools, prompts and templates travel in `Mcp-Name`; keep them printable. */
const PRINTABLE = /^[\x21-\x7e][\x20-\x7e]*$/;
const VARIABLE = /\{([A-Za-z0-9_]+)\}/g;

/** @default 50 */
const DEFAULT_PAGE_SIZE = 50;
/** @default 5 minutes */
const DEFAULT_LIST_TTL_MS = 5 * 60 * 1000;

export interface CompiledTool {
  readonly definition: ToolDefinition<unknown, unknown, Env>;
  readonly input: CompiledSchema;
  readonly output: CompiledSchema | undefined;
  /** 2026-07-28 `x-mcp-header` parameters, checked against `Mcp-Param-*` on each call. */
  readonly paramHeaders: readonly ParamHeader[];
}

export interface CompiledTemplate {
  readonly definition: ResourceTemplateDefinition<Env>;
  /** The variables of `uri`, or null when it does not match. */
  match(uri: string): Record<string, string> | null;
}

export interface CompiledServer {
  readonly info: { readonly name: string; readonly version: string };
  readonly instructions: string | undefined;
  readonly capabilities: ServerCapabilities;
  readonly tools: ReadonlyMap<string, CompiledTool>;
  readonly toolList: readonly Tool[];
  readonly resources: ReadonlyMap<string, ResourceDefinition<Env>>;
  readonly resourceList: readonly Resource[];
  readonly templates: readonly CompiledTemplate[];
  readonly templateList: readonly ResourceTemplate[];
  readonly prompts: ReadonlyMap<string, PromptDefinition<Env>>;
  readonly promptList: readonly Prompt[];
  /** Every scope some entry requires, sorted: RFC 9728 `scopes_supported`. */
  readonly scopes: readonly string[];
  /**
   * The `scope` hint of a 401 challenge (MCP 2025-11-25 "Protected Resource
   * Metadata Discovery Requirements", "Scope Selection Strategy"), sorted: the
   * definition's `initialScopes`, or else every scope in `scopes`. Empty (no
   * hint) only for a server whose entries require no scope.
   */
  readonly challengeScopes: readonly string[];
  readonly pageSize: number;
  readonly listTtlMs: number;
  /** The server's manifest (`{}` when it declares none), checked by `checkManifest`. */
  readonly manifest: ServerManifest;
}

export function compileServer<E extends Env>(definition: ServerDefinition<E>): CompiledServer {
  // The handlers see E; the protocol layer passes the Worker's env, which is E at run time.
  const def = definition as unknown as ServerDefinition<Env>;
  if (!nonEmpty(def.name)) throw new ServerDefinitionError("server", '"name" must be a non-empty string');
  if (!nonEmpty(def.version)) throw new ServerDefinitionError(`server "${def.name}"`, '"version" must be a non-empty string');
  const pageSize = def.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new ServerDefinitionError(`server "${def.name}"`, '"pageSize" must be a positive integer');
  const listTtlMs = def.listTtlMs ?? DEFAULT_LIST_TTL_MS;
  if (!Number.isInteger(listTtlMs) || listTtlMs < 0) throw new ServerDefinitionError(`server "${def.name}"`, '"listTtlMs" must be a non-negative integer');
  const manifest = def.manifest ?? {};
  checkManifest(manifest, def.name);

  const scopes = new Set<string>();
  const tools = new Map<string, CompiledTool>();
  for (const tool of def.tools ?? []) {
    const offender = `tool ${JSON.stringify(tool.name)}`;
    if (typeof tool.name !== "string" || !TOOL_NAME.test(tool.name)) throw new ServerDefinitionError(offender, "name must be 1-128 of A-Z a-z 0-9 _ - .");
    if (tools.has(tool.name)) throw new ServerDefinitionError(offender, "duplicate tool name");
    if (!nonEmpty(tool.description)) throw new ServerDefinitionError(offender, '"description" must be a non-empty string');
    if (!nonEmpty(tool.scope)) throw new ServerDefinitionError(offender, 'every tool needs a "scope" (the OAuth scope a caller must hold)');
    if (typeof tool.handler !== "function") throw new ServerDefinitionError(offender, '"handler" must be a function');
    const input = compileSchema(tool.inputSchema, `${offender} inputSchema`);
    const output = tool.outputSchema === undefined ? undefined : compileSchema(tool.outputSchema, `${offender} outputSchema`);
    scopes.add(tool.scope);
    tools.set(tool.name, { definition: tool, input, output, paramHeaders: paramHeaders(input.json, `${offender} inputSchema`) });
  }
  const toolList: Tool[] = [...tools.values()].map(({ definition: tool, input, output }) => ({
    name: tool.name,
    ...(tool.title ? { title: tool.title } : {}),
    description: tool.description,
    inputSchema: input.json as Tool["inputSchema"],
    ...(output ? { outputSchema: output.json as Tool["outputSchema"] } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  }));

  const resources = new Map<string, ResourceDefinition<Env>>();
  for (const resource of def.resources ?? []) {
    const offender = `resource ${JSON.stringify(resource.uri)}`;
    if (!isUri(resource.uri)) throw new ServerDefinitionError(offender, '"uri" must be an absolute URI');
    if (resources.has(resource.uri)) throw new ServerDefinitionError(offender, "duplicate resource URI");
    if (!nonEmpty(resource.name)) throw new ServerDefinitionError(offender, '"name" must be a non-empty string');
    checkScope(resource.scope, offender, scopes);
    resources.set(resource.uri, resource);
  }
  const templates: CompiledTemplate[] = [];
  const templateNames = new Set<string>();
  for (const template of def.resourceTemplates ?? []) {
    const offender = `resource template ${JSON.stringify(template.name)}`;
    if (!nonEmpty(template.name) || templateNames.has(template.name)) throw new ServerDefinitionError(offender, "name must be non-empty and unique");
    templateNames.add(template.name);
    checkScope(template.scope, offender, scopes);
    templates.push(compileTemplate(template, offender));
  }
  const prompts = new Map<string, PromptDefinition<Env>>();
  for (const prompt of def.prompts ?? []) {
    const offender = `prompt ${JSON.stringify(prompt.name)}`;
    if (!nonEmpty(prompt.name) || !PRINTABLE.test(prompt.name)) throw new ServerDefinitionError(offender, "name must be non-empty printable ASCII");
    if (prompts.has(prompt.name)) throw new ServerDefinitionError(offender, "duplicate prompt name");
    const argumentNames = new Set<string>();
    for (const argument of prompt.arguments ?? []) {
      if (!nonEmpty(argument.name) || argumentNames.has(argument.name)) throw new ServerDefinitionError(offender, `argument ${JSON.stringify(argument.name)} must be non-empty and unique`);
      argumentNames.add(argument.name);
    }
    for (const name of Object.keys(prompt.complete ?? {})) {
      if (!argumentNames.has(name)) throw new ServerDefinitionError(offender, `completes ${JSON.stringify(name)}, which is not one of its arguments`);
    }
    checkScope(prompt.scope, offender, scopes);
    prompts.set(prompt.name, prompt);
  }

  const completes = templates.some((t) => t.definition.complete) || [...prompts.values()].some((p) => p.complete);
  const capabilities: ServerCapabilities = {
    ...(tools.size > 0 ? { tools: { listChanged: false } } : {}),
    ...(resources.size + templates.length > 0 ? { resources: { listChanged: false, subscribe: false } } : {}),
    ...(prompts.size > 0 ? { prompts: { listChanged: false } } : {}),
    ...(completes ? { completions: {} } : {}),
    logging: {},
  };
  return {
    info: { name: def.name, version: def.version },
    instructions: def.instructions,
    capabilities,
    tools,
    toolList,
    resources,
    resourceList: [...resources.values()].map((r) => strip({ uri: r.uri, name: r.name, title: r.title, description: r.description, mimeType: r.mimeType })),
    templates,
    templateList: templates.map(({ definition: t }) => strip({ uriTemplate: t.uriTemplate, name: t.name, title: t.title, description: t.description, mimeType: t.mimeType })),
    prompts,
    promptList: [...prompts.values()].map((p) =>
      strip({ name: p.name, title: p.title, description: p.description, arguments: p.arguments?.map((a) => strip({ ...a })) }),
    ),
    scopes: [...scopes].sort(),
    challengeScopes: initialScopes(def, scopes),
    pageSize,
    listTtlMs,
    manifest,
  };
}

function compileTemplate(template: ResourceTemplateDefinition<Env>, offender: string): CompiledTemplate {
  if (typeof template.uriTemplate !== "string" || !template.uriTemplate.includes("{")) throw new ServerDefinitionError(offender, '"uriTemplate" must contain at least one {variable}');
  const names: string[] = [];
  let source = "^";
  let last = 0;
  for (const match of template.uriTemplate.matchAll(VARIABLE)) {
    source += escapeRegExp(template.uriTemplate.slice(last, match.index));
    source += "([^/?#]+)";
    names.push(match[1] ?? "");
    last = (match.index ?? 0) + match[0].length;
  }
  source += `${escapeRegExp(template.uriTemplate.slice(last))}$`;
  if (/[{}]/.test(template.uriTemplate.replace(VARIABLE, ""))) throw new ServerDefinitionError(offender, "only level-1 RFC 6570 variables ({name}) are supported");
  for (const name of Object.keys(template.complete ?? {})) {
    if (!names.includes(name)) throw new ServerDefinitionError(offender, `completes ${JSON.stringify(name)}, which is not a variable of its uriTemplate`);
  }
  const pattern = new RegExp(source);
  return {
    definition: template,
    match(uri) {
      const found = pattern.exec(uri);
      if (!found) return null;
      const variables: Record<string, string> = {};
      try {
        names.forEach((name, i) => (variables[name] = decodeURIComponent(found[i + 1] ?? "")));
      } catch {
        return null; // malformed percent-encoding: no match
      }
      return variables;
    },
  };
}

function initialScopes(def: ServerDefinition<Env>, scopes: ReadonlySet<string>): string[] {
  if (def.initialScopes === undefined) return [...scopes].sort();
  const offender = `server "${def.name}"`;
  if (!Array.isArray(def.initialScopes) || def.initialScopes.length === 0) throw new ServerDefinitionError(offender, '"initialScopes" must be a non-empty array when set');
  for (const scope of def.initialScopes) {
    if (!scopes.has(scope)) throw new ServerDefinitionError(offender, `"initialScopes" names ${JSON.stringify(scope)}, which no tool, resource or prompt requires`);
  }
  return [...new Set(def.initialScopes)].sort();
}

function checkScope(scope: string | undefined, offender: string, scopes: Set<string>): void {
  if (scope === undefined) return;
  if (!nonEmpty(scope)) throw new ServerDefinitionError(offender, '"scope" must be a non-empty string when set');
  scopes.add(scope);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function isUri(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Drops undefined members, so listings carry only what was declared. */
function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
