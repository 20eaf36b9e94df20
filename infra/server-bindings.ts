/**
 * A server's manifest bindings as its stack supplies them
 * (`servers[i].bindings.<NAME>`): the entry's shape (zod, used by
 * `config-schema.ts`) and, once the server's code is known, each declared
 * binding resolved — created by the stack, or a reference — with every
 * mismatch between code and stack as a `ConfigIssue` naming the server, the
 * binding and the fix.
 *
 * Pure: the code's manifest comes in as a `ServerDescription`
 * (`server-description.ts`), secrets as `SecretValue`s.
 */
import { z } from "zod";
import { BINDING_KINDS, type BindingKind, type ServerManifest } from "../worker/kit/manifest.ts";
import { KIT_BINDING_NAMES } from "../worker/kit/manifest-check.ts";
import { MISSING_SECRET_PREFIX } from "./authgent/required-secrets.ts";
import type { ConfigIssue } from "./config.ts";
import { SecretValue } from "./secret-value.ts";

/** Worker script names (the `servers[i].name` rule). */
const SCRIPT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * Names of resources the stack creates or references by name: R2 bucket
 * names are the strictest (3–63 of a-z 0-9 -, https://developers.cloudflare.com/r2/buckets/create-buckets/),
 * and one rule for every kind keeps the default names valid everywhere.
 */
const RESOURCE_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** KV namespace and Hyperdrive ids: 32 hex; D1 database ids: a UUID. */
const RESOURCE_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** D1 `primaryLocationHint` / R2 `location` values, e.g. weur, enam, apac. */
const LOCATION = /^[a-z]{2,8}$/;

/** The keys that say how a binding is supplied; an entry has at most one. */
const SUPPLY_KEYS = ["create", "id", "name", "service", "server", "dataset", "value"] as const;
type SupplyKey = (typeof SUPPLY_KEYS)[number];

/** Which supply keys each kind accepts (none: the binding needs no entry). */
const SUPPLY_FORMS: { readonly [K in BindingKind]: readonly SupplyKey[] } = {
  kv: ["create", "id"],
  d1: ["create", "id"],
  r2: ["create", "name"],
  queue: ["create", "name"],
  service: ["service", "server"],
  hyperdrive: ["id"],
  ai: [],
  analytics_engine: ["dataset"],
  var: ["value"],
  secret: [],
};

/** What to write for each form, in messages. */
const FORM_EXAMPLES: { readonly [K in SupplyKey]: (kind: BindingKind) => string } = {
  create: () => "create: {}",
  id: (kind) => `id: <${kind === "d1" ? "database id (UUID)" : kind === "kv" ? "namespace id" : "Hyperdrive config id"}>`,
  name: (kind) => `name: <existing ${kind === "r2" ? "bucket" : "queue"} name>`,
  service: () => "service: <Worker script name>",
  server: () => "server: <name of a server in this stack>",
  dataset: () => "dataset: <Analytics Engine dataset>",
  value: () => "value: <text>",
};

export const bindingSupplySchema = z
  .strictObject(
    {
      /** The kind the code declares; optional, checked against the code when set. */
      kind: z.enum(BINDING_KINDS, { error: `must be one of ${BINDING_KINDS.join(", ")}` }).optional(),
      /** Pulumi creates the KV namespace, D1 database (with the server's SQL migrations), R2 bucket or queue. */
      create: z
        .strictObject(
          {
            /** @default `<script name>-<binding name, lower-case, _ as ->` */
            name: z.string().regex(RESOURCE_NAME, { error: "must be 3-63 lowercase letters, digits and dashes" }).optional(),
            /** D1 `primaryLocationHint` or R2 `location`, e.g. weur. @default Cloudflare's choice */
            location: z.string().regex(LOCATION, { error: "must be a location hint like weur, enam or apac" }).optional(),
          },
          { error: "must be { name?, location? }" },
        )
        .optional(),
      /** An existing KV namespace id, D1 database id or Hyperdrive config id. */
      id: z.string({ error: "must be an id" }).regex(RESOURCE_ID, { error: "must be a Cloudflare id (32 hex characters, or a D1 database UUID)" }).optional(),
      /** An existing R2 bucket or queue, by name. */
      name: z.string().regex(RESOURCE_NAME, { error: "must be 3-63 lowercase letters, digits and dashes" }).optional(),
      /** Service binding to a Worker script by name. */
      service: z.string().regex(SCRIPT_NAME, { error: "must be a Worker script name" }).optional(),
      /** Service binding to another server of this stack, by its `name`. */
      server: z.string().regex(SCRIPT_NAME, { error: "must be a server name from servers:" }).optional(),
      /** Named entrypoint of the service's Worker (a `WorkerEntrypoint` export). @default its default export */
      entrypoint: z.string().regex(/^[A-Za-z_$][\w$]*$/, { error: "must be an exported class name" }).optional(),
      /** Analytics Engine dataset. @default Cloudflare's: the binding name */
      dataset: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, { error: "must be letters, digits and underscores" }).optional(),
      /** A var's text. */
      value: z.string({ error: "must be text" }).optional(),
      /**
       * Next to `create`: the created resource is not protected, so removing it
       * from the stack deletes it with its data. @default false
       */
      deleteData: z.literal(true, { error: "must be true (or left out): it acknowledges that the created resource and its data may be deleted" }).optional(),
    },
    { error: "must be a binding supply such as { create: {} }, { id: … }, { name: … }, { service: … } or { value: … }" },
  )
  .refine((entry) => SUPPLY_KEYS.filter((key) => entry[key] !== undefined).length <= 1, {
    error: `must use one of ${SUPPLY_KEYS.join(", ")}, not several`,
  })
  .refine((entry) => entry.deleteData === undefined || entry.create !== undefined, { error: "has deleteData, which only applies to a created resource (create:)" })
  .refine((entry) => entry.entrypoint === undefined || entry.service !== undefined || entry.server !== undefined, {
    error: "has entrypoint, which only applies to a service binding (service: or server:)",
  });

export type BindingSupply = z.infer<typeof bindingSupplySchema>;

/** `servers[i].bindings`: binding name → supply. */
export const serverBindingsSchema = z.record(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, { error: "binding names are upper-case identifiers like NOTES_DB" }), bindingSupplySchema, {
  error: "must map binding names to how the stack supplies them",
});

/** A created resource: its name at Cloudflare, and whether it is protected. */
export interface CreatedResource {
  readonly name: string;
  readonly location?: string;
  /** `deleteData: true` on the entry, or the server is retired. @default false */
  readonly deleteData: boolean;
}

export type ResolvedBinding =
  | { readonly kind: "kv"; readonly name: string; readonly create?: CreatedResource; readonly id?: string }
  | { readonly kind: "d1"; readonly name: string; readonly create?: CreatedResource; readonly id?: string; readonly migrationsDir?: string }
  | { readonly kind: "r2"; readonly name: string; readonly create?: CreatedResource; readonly bucket: string }
  | { readonly kind: "queue"; readonly name: string; readonly create?: CreatedResource; readonly queue: string }
  | { readonly kind: "service"; readonly name: string; readonly script: string; readonly entrypoint?: string }
  | { readonly kind: "hyperdrive"; readonly name: string; readonly id: string }
  | { readonly kind: "ai"; readonly name: string }
  | { readonly kind: "analytics_engine"; readonly name: string; readonly dataset?: string }
  | { readonly kind: "var"; readonly name: string; readonly value: string }
  | { readonly kind: "secret"; readonly name: string; readonly value: SecretValue };

/** Kinds whose resource the stack may create (and then owns, with its data). */
export type CreatableKind = "kv" | "d1" | "r2" | "queue";

/** A created resource the server's code no longer binds, kept until its entry is removed (`create` + `deleteData: true` + `kind`). */
export interface RetiringResource {
  readonly binding: string;
  readonly kind: CreatableKind;
  readonly create: CreatedResource;
}

/** The server as `resolveServerBindings` needs it (a `ServerConfig` fits). */
export interface BindingServer {
  readonly name: string;
  readonly scriptName: string;
  readonly source: string;
  readonly bindings: Readonly<Record<string, BindingSupply>>;
  /** Every value under `secrets.<server>`, declared by `servers[i].secrets` or not. */
  readonly secretValues: ReadonlyMap<string, SecretValue>;
}

export interface ResolveContext {
  /** `servers[i]`, for messages. */
  readonly at: string;
  /** Script name of each server of the stack by its `name` (service bindings with `server:`). */
  readonly scriptNames: ReadonlyMap<string, string>;
  /** The server is in `retiredServers`: nothing it creates is protected. */
  readonly retired: boolean;
  /**
   * A secret the code needs and the stack has not set: an error (`pulumi
   * preview`/`up`), or — for the offline plan only, which must render a
   * committed stack that cannot carry secrets — a visible placeholder and a
   * warning naming the command. @default "refuse"
   */
  readonly missingSecrets?: "refuse" | "placeholder";
}

export interface ResolvedServerBindings {
  /** Declared bindings in name order. */
  readonly bindings: readonly ResolvedBinding[];
  readonly retiring: readonly RetiringResource[];
  readonly issues: readonly ConfigIssue[];
  /** Problems that do not stop an offline plan (a secret shown as a placeholder). */
  readonly warnings: readonly ConfigIssue[];
}

/** The default name of a resource the stack creates for `binding`: `notes-mcp` + `NOTES_DB` → `notes-mcp-notes-db`. */
export function defaultResourceName(scriptName: string, binding: string): string {
  return `${scriptName}-${binding.toLowerCase().replace(/_/g, "-")}`;
}

/** Resolves every binding `manifest` declares against the server's stack entries. */
export function resolveServerBindings(server: BindingServer, manifest: ServerManifest, context: ResolveContext): ResolvedServerBindings {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const bindings: ResolvedBinding[] = [];
  const retiring: RetiringResource[] = [];
  const declared = manifest.bindings ?? {};
  const entryPath = (name: string) => `${context.at}.bindings.${name}`;

  for (const name of Object.keys(declared).sort()) {
    const declaration = declared[name];
    if (!declaration) continue;
    const resolved = resolveOne(
      server,
      name,
      declaration.kind,
      declaration.kind === "d1" ? declaration.migrationsDir : undefined,
      context,
      (message) => issues.push({ path: entryPath(name), message }),
      (issue) => warnings.push(issue),
    );
    if (resolved) bindings.push(resolved);
  }

  for (const name of Object.keys(server.bindings).sort()) {
    if (name in declared) continue;
    const entry = server.bindings[name];
    if (!entry) continue;
    if (KIT_BINDING_NAMES.has(name)) {
      issues.push({ path: entryPath(name), message: `is a binding the kit sets on every server (MCP_OBJECT, MCP_RATE_LIMITER, the worker vars): remove it; set worker vars through their own keys (docs/deploying.md)` });
    } else if (name in (manifest.durableObjects ?? {})) {
      issues.push({ path: entryPath(name), message: `is a Durable Object the server's code binds itself (manifest durableObjects): remove the entry` });
    } else if (entry.create && entry.deleteData && entry.kind && isCreatable(entry.kind)) {
      // Retiring a created resource: no longer bound, no longer protected; removing the entry deletes it.
      retiring.push({ binding: name, kind: entry.kind, create: { name: entry.create.name ?? defaultResourceName(server.scriptName, name), ...(entry.create.location ? { location: entry.create.location } : {}), deleteData: true } });
    } else {
      issues.push({
        path: entryPath(name),
        message:
          `is not declared by ${server.source} (its manifest's bindings): remove the entry, or declare ${name} in the server's manifest. ` +
          "To delete a resource the stack created for it, first set { kind: <kind>, create: {…}, deleteData: true } and `pulumi up`, then remove the entry (docs/fleets.md)",
      });
    }
  }
  return { bindings, retiring, issues, warnings };
}

function isCreatable(kind: BindingKind): kind is CreatableKind {
  return kind === "kv" || kind === "d1" || kind === "r2" || kind === "queue";
}

function resolveOne(
  server: BindingServer,
  name: string,
  kind: BindingKind,
  migrationsDir: string | undefined,
  context: ResolveContext,
  fail: (message: string) => void,
  warn: (issue: ConfigIssue) => void,
): ResolvedBinding | undefined {
  const entry = server.bindings[name];
  const forms = SUPPLY_FORMS[kind];
  const expected = forms.map((form) => `{ ${FORM_EXAMPLES[form](kind)} }`).join(" or ");

  if (kind === "secret") {
    if (entry !== undefined) {
      fail(`is a secret in ${server.source}: remove the entry; its value goes under secrets.${server.name}.${name} (\`pulumi config set --secret --path 'secrets.${server.name}.${name}' <value>\`)`);
    }
    const value = server.secretValues.get(name);
    if (value === undefined) {
      const path = `secrets.${server.name}.${name}`;
      const command = `\`pulumi config set --secret --path '${path}' <value>\``;
      if (context.missingSecrets === "placeholder") {
        warn({ path, message: `is not set (${server.source} declares ${name} as a secret): the plan shows a placeholder; pulumi preview and up refuse until you run ${command}` });
        return { kind, name, value: new SecretValue(`${MISSING_SECRET_PREFIX}${path}]`) };
      }
      fail(`is a secret ${server.source} needs but ${path} has no value: run ${command}`);
      return undefined;
    }
    return { kind, name, value };
  }
  // Workers AI and Analytics Engine need no resource: no entry binds them as Cloudflare's defaults do.
  const optional = kind === "ai" || kind === "analytics_engine";
  if (entry === undefined) {
    if (optional) return { kind, name };
    fail(`is required: ${server.source} declares ${name} (${kind}); supply it with ${expected}`);
    return undefined;
  }
  if (entry.kind !== undefined && entry.kind !== kind) {
    fail(`says kind ${entry.kind}, but ${server.source} declares ${name} as ${kind}: supply it with ${expected}`);
    return undefined;
  }
  const used = SUPPLY_KEYS.find((key) => entry[key] !== undefined);
  if (used === undefined) {
    if (optional) return { kind, name };
    fail(`says nothing about how to supply ${name} (${kind} in ${server.source}): use ${expected}`);
    return undefined;
  }
  if (!forms.includes(used)) {
    fail(
      forms.length === 0
        ? `is ${kind} in ${server.source}, which needs no stack entry: remove it`
        : `uses ${used}:, which does not fit ${name} (${kind} in ${server.source}): use ${expected}`,
    );
    return undefined;
  }
  if (entry.create?.location !== undefined && kind !== "d1" && kind !== "r2") {
    fail(`has create.location, which only D1 databases and R2 buckets take: remove it`);
    return undefined;
  }

  const create = entry.create
    ? {
        name: entry.create.name ?? defaultResourceName(server.scriptName, name),
        ...(entry.create.location ? { location: entry.create.location } : {}),
        deleteData: entry.deleteData === true || context.retired,
      }
    : undefined;
  if (create && !RESOURCE_NAME.test(create.name)) {
    fail(`would create "${create.name}", longer than 63 characters: set create.name to a shorter name`);
    return undefined;
  }
  switch (kind) {
    case "kv":
      return create ? { kind, name, create } : { kind, name, id: entry.id ?? "" };
    case "d1":
      return { kind, name, ...(create ? { create } : { id: entry.id ?? "" }), ...(migrationsDir ? { migrationsDir } : {}) };
    case "r2":
      return create ? { kind, name, create, bucket: create.name } : { kind, name, bucket: entry.name ?? "" };
    case "queue":
      return create ? { kind, name, create, queue: create.name } : { kind, name, queue: entry.name ?? "" };
    case "service": {
      let script = entry.service;
      if (entry.server !== undefined) {
        script = context.scriptNames.get(entry.server);
        if (script === undefined) {
          fail(`names server "${entry.server}", which is not in servers: (${[...context.scriptNames.keys()].join(", ")}); use service: <script name> for a Worker outside this stack`);
          return undefined;
        }
      }
      return { kind, name, script: script ?? "", ...(entry.entrypoint ? { entrypoint: entry.entrypoint } : {}) };
    }
    case "hyperdrive":
      return { kind, name, id: entry.id ?? "" };
    case "analytics_engine":
      return { kind, name, ...(entry.dataset ? { dataset: entry.dataset } : {}) };
    case "var":
      return { kind, name, value: entry.value ?? "" };
    case "ai":
      return { kind, name };
  }
}
