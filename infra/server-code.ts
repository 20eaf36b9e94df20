/**
 * The stack's config meets its servers' code: one bundle per distinct source
 * (the deploy bundle, `bundles.ts`), each described once
 * (`server-description.ts`), then every server's stack entries checked
 * against what its code declares. All problems are reported together, as
 * `parseStackConfig` does, before any resource is declared or any API is
 * called. The result replaces each server's `scopes` with the scopes its code
 * requires, so RFC 9728 metadata, Authgent's supported scopes and the stack
 * output agree by construction.
 */
import { D1MigrationsError, readD1Migrations, type D1Migration } from "./d1-migrations.ts";
import type { MigrationLedger } from "./migrations.ts";
import { buildBundles, type BuiltBundle, type BundleBuilder } from "./bundles.ts";
import { distinctIssues, StackConfigError, type ConfigIssue, type FleetConfig, type ServerConfig } from "./config.ts";
import { describeServerBundle, type ServerDescription } from "./server-description.ts";
import { resolveServerBindings, type CreatableKind, type ResolvedBinding, type RetiringResource } from "./server-bindings.ts";

/** What one server's code asks of its deployment, resolved against the stack. */
export interface ServerCode {
  readonly description: ServerDescription;
  /** Every binding its manifest declares, resolved (name order). */
  readonly bindings: readonly ResolvedBinding[];
  /** Created resources it no longer binds, kept (unprotected) until their entry goes. */
  readonly retiring: readonly RetiringResource[];
  /** SQL migrations of each D1 database the stack creates, by binding name (`migrationsDir`). */
  readonly d1Migrations: ReadonlyMap<string, readonly D1Migration[]>;
}

export interface FleetCode {
  /** The config with each server's `scopes` derived from its code. */
  readonly config: FleetConfig;
  /** Bundles by source. */
  readonly bundles: ReadonlyMap<string, BuiltBundle>;
  /** By server name. */
  readonly servers: ReadonlyMap<string, ServerCode>;
  /** Each server's own Durable Object ledger, by script name (empty ledgers left out). */
  readonly ledgers: ReadonlyMap<string, MigrationLedger>;
  /** What reading the code found that does not stop the run (a deprecated `scopes` equal to the code's, a placeholder secret). */
  readonly warnings: readonly ConfigIssue[];
}

export interface LoadFleetCodeOptions {
  /** The provider's working directory (`contentFile` is relative to it). */
  readonly providerDir: string;
  /** @default bundleWorker (esbuild) */
  readonly build?: BundleBuilder;
  /** See `ResolveContext.missingSecrets`. @default "refuse" */
  readonly missingSecrets?: "refuse" | "placeholder";
}

/** Builds and describes every source, then checks the stack against the code. Throws `StackConfigError` listing every mismatch. */
export async function loadFleetCode(config: FleetConfig, options: LoadFleetCodeOptions): Promise<FleetCode> {
  const bundles = await buildBundles(config.servers, options.providerDir, options.build);
  const descriptions = new Map<string, ServerDescription>();
  await Promise.all([...bundles].map(async ([source, bundle]) => descriptions.set(source, await describeServerBundle(bundle, source))));
  const dirs = new Set<string>();
  for (const { manifest } of descriptions.values()) {
    for (const binding of Object.values(manifest.bindings ?? {})) if (binding.kind === "d1" && binding.migrationsDir) dirs.add(binding.migrationsDir);
  }
  const migrations = new Map<string, readonly D1Migration[] | D1MigrationsError>();
  await Promise.all(
    [...dirs].map(async (dir) =>
      migrations.set(
        dir,
        await readD1Migrations(dir).catch((error: unknown) => {
          if (error instanceof D1MigrationsError) return error;
          throw error;
        }),
      ),
    ),
  );
  return { ...checkFleetCode(config, descriptions, migrations, options.missingSecrets), bundles };
}

/** The pure part of `loadFleetCode`: descriptions by source → resolved servers, or every issue at once. */
export function checkFleetCode(
  config: FleetConfig,
  descriptions: ReadonlyMap<string, ServerDescription>,
  /** Each `migrationsDir` read (`readD1Migrations`), or why it could not be. @default none read */
  migrationDirs: ReadonlyMap<string, readonly D1Migration[] | Error> = new Map(),
  missingSecrets: "refuse" | "placeholder" = "refuse",
): Omit<FleetCode, "bundles"> {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const scriptNames = new Map(config.servers.map((server) => [server.name, server.scriptName]));
  const retired = new Set(config.retiredServers ?? []);
  const servers = new Map<string, ServerCode>();
  const ledgers = new Map<string, MigrationLedger>();
  const resolved = config.servers.map((server, index): ServerConfig => {
    const at = `servers[${index}]`;
    const description = descriptions.get(server.source);
    if (!description) throw new Error(`no description of worker source ${server.source} (server ${server.name})`);
    const { manifest } = description;
    const result = resolveServerBindings(server, manifest, { at, scriptNames, retired: retired.has(server.name), missingSecrets });
    issues.push(...result.issues, ...secretIssues(server, manifest.bindings ?? {}, at));
    warnings.push(...result.warnings);
    const scopes = scopeIssue(server, description);
    if (scopes) (scopes.same ? warnings : issues).push(scopes.issue);
    const d1Migrations = new Map<string, readonly D1Migration[]>();
    for (const binding of result.bindings) {
      if (binding.kind !== "d1" || !binding.create || !binding.migrationsDir) continue;
      const read = migrationDirs.get(binding.migrationsDir);
      if (read instanceof Error) issues.push({ path: `${at}.bindings.${binding.name}`, message: `needs the SQL migrations ${server.source} declares, but ${read.message}: fix migrationsDir in the server's manifest` });
      else if (read) d1Migrations.set(binding.name, read);
    }
    servers.set(server.name, { description, bindings: result.bindings, retiring: result.retiring, d1Migrations });
    if (manifest.migrations?.length) ledgers.set(server.scriptName, manifest.migrations);
    return { ...server, scopes: [...description.scopes] };
  });
  issues.push(...createdNameIssues(config.servers, servers));
  if (issues.length > 0) throw new StackConfigError(config.stack, distinctIssues(issues));
  const allWarnings = distinctIssues([...(config.warnings ?? []), ...warnings]);
  return { config: { ...config, servers: resolved, ...(allWarnings.length > 0 ? { warnings: allWarnings } : {}) }, servers, ledgers, warnings: distinctIssues(warnings) };
}

/** Secret values neither the stack nor the code declares, and stack-declared secrets that the code uses for another kind. */
function secretIssues(server: ServerConfig, declared: NonNullable<ServerDescription["manifest"]["bindings"]>, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const name of server.secretValues.keys()) {
    if (server.secrets.has(name) || declared[name]?.kind === "secret") continue;
    issues.push({
      path: `secrets.${server.name}.${name}`,
      message: `is not declared: add "${name}" to ${at}.secrets, declare it in ${server.source}'s manifest as { kind: "secret" }, or remove the value`,
    });
  }
  for (const name of server.secrets.keys()) {
    const kind = declared[name]?.kind;
    if (kind !== undefined && kind !== "secret") {
      issues.push({ path: `${at}.secrets`, message: `lists ${name}, which ${server.source} declares as ${kind}: remove it from ${at}.secrets and supply it under ${at}.bindings.${name}` });
    }
  }
  return issues;
}

/**
 * The deprecated `scopes` key: the code's scopes are the truth. A list equal
 * to them is only a warning (remove the key); a different one is an error,
 * since the stack output and Authgent would disagree with what the worker checks.
 */
function scopeIssue(server: ServerConfig, description: ServerDescription): { issue: ConfigIssue; same: boolean } | undefined {
  if (server.scopesSetAt === undefined) return undefined;
  const stated = [...new Set(server.scopes)].sort();
  const same = stated.length === description.scopes.length && stated.every((scope, i) => scope === description.scopes[i]);
  const code = description.scopes.join(", ") || "none";
  return {
    same,
    issue: same
      ? { path: server.scopesSetAt, message: `is deprecated: the scopes come from ${server.source} (${code}); remove the key` }
      : {
          path: server.scopesSetAt,
          message: `lists ${stated.join(", ")}, but ${server.source} requires ${code} (its tools, resources and prompts): the scopes come from the code now; remove the key`,
        },
  };
}

/** Two servers creating one resource would share (and fight over) its data. */
function createdNameIssues(servers: readonly ServerConfig[], code: ReadonlyMap<string, ServerCode>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const owners = new Map<string, string>();
  servers.forEach((server, index) => {
    const created: { binding: string; kind: CreatableKind; name: string }[] = [];
    for (const binding of code.get(server.name)?.bindings ?? []) {
      if ((binding.kind === "kv" || binding.kind === "d1" || binding.kind === "r2" || binding.kind === "queue") && binding.create) created.push({ binding: binding.name, kind: binding.kind, name: binding.create.name });
    }
    for (const retiring of code.get(server.name)?.retiring ?? []) created.push({ binding: retiring.binding, kind: retiring.kind, name: retiring.create.name });
    for (const { binding, kind, name } of created) {
      const key = `${kind}\n${name}`;
      const owner = owners.get(key);
      const path = `servers[${index}].bindings.${binding}`;
      if (owner !== undefined) issues.push({ path, message: `would create ${kind} "${name}", which ${owner} creates too: set create.name to a name of its own, or reference the other with its id or name` });
      else owners.set(key, path);
    }
  });
  return issues;
}
