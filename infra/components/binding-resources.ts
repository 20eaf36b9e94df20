/**
 * The Cloudflare resources behind one server's manifest bindings, and the
 * script bindings that point at them: created KV namespaces, D1 databases
 * (with their SQL migrations applied), R2 buckets and queues are children of
 * the server's component, named `<server>-<binding slug>`; references,
 * services, Hyperdrive, AI, Analytics Engine, vars and secrets are bindings
 * only. The server's own Durable Objects are bound by class.
 *
 * Every created resource holds data, so it is protected (Pulumi `protect`:
 * the engine refuses to delete or replace it and names its URN) unless its
 * entry says `deleteData: true` or the server is retired.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { D1QueryApi } from "../d1-migrations.ts";
import type { CreatableKind, CreatedResource, ResolvedBinding } from "../server-bindings.ts";
import type { ServerCode } from "../server-code.ts";
import type { ScriptBinding } from "../worker-bindings.ts";
import { D1Migrations } from "./d1-migrations.ts";

export interface BindingResourcesArgs {
  readonly accountId: string;
  readonly code: ServerCode;
  /** Names `servers[i].secrets` binds already (a manifest secret listed there too is bound once). */
  readonly stackSecrets: ReadonlySet<string>;
  /** Applies D1 migrations during `pulumi up`. @default none — migrations are listed, not applied (offline plan) */
  readonly d1?: D1QueryApi;
}

/** Options for a child named `<server><suffix>`: parent and the aliases under the server's earlier names. */
export type ChildOptions = (suffix: string) => pulumi.CustomResourceOptions;

export interface BindingResources {
  /** Script bindings for the manifest's bindings and Durable Objects, in name order. */
  readonly bindings: ScriptBinding[];
  /** The created resources, by binding name. */
  readonly created: ReadonlyMap<string, pulumi.CustomResource>;
}

/** The child resource suffix of a binding: `NOTES_DB` → `-notes-db`. */
export function bindingSuffix(binding: string): string {
  return `-${binding.toLowerCase().replace(/_/g, "-")}`;
}

export function createBindingResources(name: string, args: BindingResourcesArgs, child: ChildOptions): BindingResources {
  const created = new Map<string, pulumi.CustomResource>();
  const bindings: ScriptBinding[] = [];
  const { manifest } = args.code.description;

  for (const [binding, { className }] of Object.entries(manifest.durableObjects ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    bindings.push({ type: "durable_object_namespace", name: binding, className });
  }
  for (const binding of args.code.bindings) {
    if (binding.kind === "secret" && args.stackSecrets.has(binding.name)) continue;
    const resource = "create" in binding && binding.create ? createResource(name, args.accountId, binding.kind as CreatableKind, binding.name, binding.create, child) : undefined;
    if (resource) created.set(binding.name, resource);
    bindings.push(scriptBinding(binding, resource, name, args, child));
  }
  // Created resources the code no longer binds stay declared (unprotected) until their entry is removed.
  for (const retiring of args.code.retiring) createResource(name, args.accountId, retiring.kind, retiring.binding, retiring.create, child);
  return { bindings, created };
}

function createResource(name: string, accountId: string, kind: CreatableKind, binding: string, create: CreatedResource, child: ChildOptions): pulumi.CustomResource {
  const suffix = bindingSuffix(binding);
  // `false` is sent explicitly so that dropping protection (deleteData) is recorded in the state.
  const opts = { ...child(suffix), protect: !create.deleteData };
  switch (kind) {
    case "kv":
      return new cloudflare.WorkersKvNamespace(`${name}${suffix}`, { accountId, title: create.name }, opts);
    case "d1":
      return new cloudflare.D1Database(`${name}${suffix}`, { accountId, name: create.name, ...(create.location ? { primaryLocationHint: create.location } : {}) }, opts);
    case "r2":
      return new cloudflare.R2Bucket(`${name}${suffix}`, { accountId, name: create.name, ...(create.location ? { location: create.location } : {}) }, opts);
    case "queue":
      return new cloudflare.Queue(`${name}${suffix}`, { accountId, queueName: create.name }, opts);
  }
}

/** Cloudflare's binding metadata for one resolved binding (input names: @pulumi/cloudflare 6.22.1 `WorkersScriptBinding`). */
function scriptBinding(binding: ResolvedBinding, resource: pulumi.CustomResource | undefined, name: string, args: BindingResourcesArgs, child: ChildOptions): ScriptBinding {
  switch (binding.kind) {
    case "kv":
      return { type: "kv_namespace", name: binding.name, namespaceId: resource ? resource.id : (binding.id ?? "") };
    case "d1": {
      const migrations = args.code.d1Migrations.get(binding.name) ?? [];
      if (!resource || migrations.length === 0) return { type: "d1", name: binding.name, id: resource ? resource.id : (binding.id ?? "") };
      // The script binds the database only once its migrations ran: the id comes through them.
      const migrated = new D1Migrations(
        `${name}${bindingSuffix(binding.name)}-migrations`,
        { accountId: args.accountId, databaseId: resource.id, migrations, label: `server ${name}, D1 ${binding.name}`, ...(args.d1 ? { api: args.d1 } : {}) },
        child(`${bindingSuffix(binding.name)}-migrations`),
      );
      return { type: "d1", name: binding.name, id: migrated.databaseId };
    }
    case "r2":
      return { type: "r2_bucket", name: binding.name, bucketName: resource ? (resource as cloudflare.R2Bucket).name : binding.bucket };
    case "queue":
      return { type: "queue", name: binding.name, queueName: resource ? (resource as cloudflare.Queue).queueName : binding.queue };
    case "service":
      return { type: "service", name: binding.name, service: binding.script, ...(binding.entrypoint ? { entrypoint: binding.entrypoint } : {}) };
    case "hyperdrive":
      return { type: "hyperdrive", name: binding.name, id: binding.id };
    case "ai":
      return { type: "ai", name: binding.name };
    case "analytics_engine":
      return { type: "analytics_engine", name: binding.name, ...(binding.dataset ? { dataset: binding.dataset } : {}) };
    case "var":
      return { type: "plain_text", name: binding.name, text: binding.value };
    case "secret":
      // Becomes a Pulumi secret at the moment it leaves SecretValue, like the stack's own secrets.
      return { type: "secret_text", name: binding.name, text: pulumi.secret(binding.value.reveal()) };
  }
}
