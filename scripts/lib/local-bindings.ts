/**
 * A server's manifest bindings as local stand-ins (Miniflare options), for
 * `npm start` and the tests: KV, D1, R2, queue producers and Analytics
 * Engine are simulated by workerd with on-disk persistence, a service binding
 * points at another Worker in the same workerd, Hyperdrive at a local
 * Postgres, vars and secrets become text bindings. Workers AI has no local
 * implementation: it is bound, and calls fail with Miniflare's "Binding AI
 * needs to be run remotely".
 *
 * Pure: every value comes in through `LocalBindingInputs`, every problem is a
 * `LocalBindingError` naming the binding and the fix.
 */
import type { ServerManifest } from "../../worker/kit/manifest.ts";

/**
 * Where a Hyperdrive binding's local connection string comes from: wrangler's
 * variable (https://developers.cloudflare.com/hyperdrive/configuration/local-development/),
 * so one setting serves `wrangler dev` and `npm start`.
 */
export const HYPERDRIVE_LOCAL_ENV_PREFIX = "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_";

/** Why a declared binding cannot be provided locally. */
export type LocalBindingProblem = "service_unwired" | "hyperdrive_unset" | "var_missing" | "secret_missing" | "ai_twice";

export class LocalBindingError extends Error {
  readonly code = "ERR_LOCAL_BINDING";
  constructor(
    /** The `env` name of the binding that cannot be provided. */
    readonly binding: string,
    readonly problem: LocalBindingProblem,
    message: string,
  ) {
    super(message);
    this.name = "LocalBindingError";
  }
}

export interface LocalBindingInputs {
  /** The server's script name, for messages and default resource names. */
  readonly server: string;
  readonly manifest: ServerManifest;
  /** Values of the manifest's `var` bindings (the stack's). @default {} */
  readonly vars?: Readonly<Record<string, string>>;
  /**
   * A declared var without a value: `"error"` (a stack run, where the stack
   * must supply every var), or `"empty"` (a `--source` run, no stack to ask:
   * the var is bound empty and a note says so). @default "error"
   */
  readonly missingVar?: "error" | "empty";
  /** Values of the manifest's `secret` bindings (the local secrets file's). A declared secret without one is an error. @default {} */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Service binding name → the local Worker (its Miniflare `name`) it reaches. A declared service without one is an error. @default {} */
  readonly services?: Readonly<Record<string, string>>;
  /** Service binding name → the Worker script the stack binds it to, named in the error for an unwired one. @default {} */
  readonly serviceScripts?: Readonly<Record<string, string>>;
  /**
   * Binding name → the resource's name in the stack (D1 database, KV namespace
   * title, bucket, queue, dataset). Locally it only keys persistence and shows
   * in logs. @default `<server>-<binding>`, lower case, `_` as `-` (the stack's default)
   */
  readonly resourceNames?: Readonly<Record<string, string>>;
  /** Where Hyperdrive connection strings are read. @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** One D1 database whose migrations `npm start` applies before serving. */
export interface LocalD1Migrations {
  readonly binding: string;
  /** Relative to the repository root, as the manifest declares it. */
  readonly dir: string;
}

/** The Miniflare options of one server's declared bindings (names as in Miniflare's WorkerOptions). */
export interface LocalBindingsPlan {
  /** Vars and secrets. */
  readonly text: Readonly<Record<string, string>>;
  readonly kvNamespaces: Readonly<Record<string, string>>;
  readonly d1Databases: Readonly<Record<string, string>>;
  readonly r2Buckets: Readonly<Record<string, string>>;
  readonly queueProducers: Readonly<Record<string, { readonly queueName: string }>>;
  readonly serviceBindings: Readonly<Record<string, string>>;
  readonly hyperdrives: Readonly<Record<string, string>>;
  /** Workers AI: at most one binding (Miniflare supports one). */
  readonly ai?: { readonly binding: string };
  readonly analyticsEngineDatasets: Readonly<Record<string, { readonly dataset: string }>>;
  /** The server's own Durable Object classes (SQLite-backed unless its ledger created them with `newClasses`). */
  readonly durableObjects: Readonly<Record<string, { readonly className: string; readonly useSQLite: boolean }>>;
  readonly d1Migrations: readonly LocalD1Migrations[];
  /** Lines for the start-up banner about bindings that behave differently locally. */
  readonly notes: readonly string[];
}

/** An empty plan: a server without a manifest. */
export const NO_LOCAL_BINDINGS: LocalBindingsPlan = {
  text: {},
  kvNamespaces: {},
  d1Databases: {},
  r2Buckets: {},
  queueProducers: {},
  serviceBindings: {},
  hyperdrives: {},
  analyticsEngineDatasets: {},
  durableObjects: {},
  d1Migrations: [],
  notes: [],
};

export function planLocalBindings(inputs: LocalBindingInputs): LocalBindingsPlan {
  const text: Record<string, string> = {};
  const kvNamespaces: Record<string, string> = {};
  const d1Databases: Record<string, string> = {};
  const r2Buckets: Record<string, string> = {};
  const queueProducers: Record<string, { queueName: string }> = {};
  const serviceBindings: Record<string, string> = {};
  const hyperdrives: Record<string, string> = {};
  const analyticsEngineDatasets: Record<string, { dataset: string }> = {};
  const d1Migrations: LocalD1Migrations[] = [];
  const notes: string[] = [];
  let ai: { binding: string } | undefined;
  // The stack's default name for a created resource (infra/server-bindings.ts defaultResourceName).
  const resourceName = (binding: string): string => inputs.resourceNames?.[binding] ?? `${inputs.server}-${binding.toLowerCase().replace(/_/g, "-")}`;

  for (const [binding, declaration] of Object.entries(inputs.manifest.bindings ?? {})) {
    switch (declaration.kind) {
      case "kv":
        kvNamespaces[binding] = resourceName(binding);
        break;
      case "d1":
        d1Databases[binding] = resourceName(binding);
        if (declaration.migrationsDir !== undefined) d1Migrations.push({ binding, dir: declaration.migrationsDir });
        break;
      case "r2":
        r2Buckets[binding] = resourceName(binding);
        break;
      case "queue":
        queueProducers[binding] = { queueName: resourceName(binding) };
        notes.push(`${binding}: messages are accepted locally but no consumer runs`);
        break;
      case "analytics_engine":
        analyticsEngineDatasets[binding] = { dataset: resourceName(binding) };
        break;
      case "service": {
        const target = inputs.services?.[binding];
        if (target === undefined) {
          const deployed = inputs.serviceScripts?.[binding];
          throw new LocalBindingError(
            binding,
            "service_unwired",
            `server ${inputs.server}: service binding ${binding}${deployed ? ` (the Worker ${deployed} when deployed)` : ""} has no local Worker to reach; pass --service ${binding}=<worker module>`,
          );
        }
        serviceBindings[binding] = target;
        break;
      }
      case "hyperdrive": {
        const variable = `${HYPERDRIVE_LOCAL_ENV_PREFIX}${binding}`;
        const connection = inputs.env?.[variable];
        if (!connection) {
          throw new LocalBindingError(binding, "hyperdrive_unset", `server ${inputs.server}: Hyperdrive binding ${binding} needs a local Postgres: set ${variable}=postgres://user:password@127.0.0.1:5432/db`);
        }
        hyperdrives[binding] = connection;
        break;
      }
      case "ai":
        if (ai) throw new LocalBindingError(binding, "ai_twice", `server ${inputs.server}: Workers AI is bound as ${ai.binding} already; declare one ai binding`);
        ai = { binding };
        notes.push(`${binding}: Workers AI runs only on Cloudflare; calls fail locally ("Binding ${binding} needs to be run remotely")`);
        break;
      case "var": {
        const value = inputs.vars?.[binding];
        if (value === undefined && inputs.missingVar === "empty") {
          text[binding] = "";
          notes.push(`${binding}: var bound empty (no stack supplies it; run with --stack <name> --server <name> for the stack's value)`);
          break;
        }
        if (value === undefined) throw new LocalBindingError(binding, "var_missing", `server ${inputs.server}: var ${binding} has no value: the stack's server entry sets it (bindings.${binding}: { value: … }); run it with npm start -- --stack <name> --server <name>`);
        text[binding] = value;
        break;
      }
      case "secret": {
        const value = inputs.secrets?.[binding];
        if (value === undefined) throw new LocalBindingError(binding, "secret_missing", `server ${inputs.server}: secret ${binding} has no local value; add ${binding}=<value> to the server's local secrets file`);
        text[binding] = value;
        break;
      }
    }
  }

  const durableObjects: Record<string, { className: string; useSQLite: boolean }> = {};
  const legacyClasses = new Set<string>();
  for (const step of inputs.manifest.migrations ?? []) {
    for (const name of step.newClasses ?? []) legacyClasses.add(name);
    for (const { from, to } of step.renamedClasses ?? []) if (legacyClasses.has(from)) legacyClasses.add(to);
  }
  for (const [binding, declaration] of Object.entries(inputs.manifest.durableObjects ?? {})) {
    // Storage backend follows the ledger step that created the class, as on Cloudflare.
    durableObjects[binding] = { className: declaration.className, useSQLite: !legacyClasses.has(declaration.className) };
  }
  return {
    text,
    kvNamespaces,
    d1Databases,
    r2Buckets,
    queueProducers,
    serviceBindings,
    hyperdrives,
    ...(ai ? { ai } : {}),
    analyticsEngineDatasets,
    durableObjects,
    d1Migrations,
    notes,
  };
}
