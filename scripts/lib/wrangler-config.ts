/**
 * A stack's MCP server as a `wrangler.jsonc`, for day-2 debugging with
 * wrangler (`wrangler tail`, `wrangler dev`), derived from the same sources the
 * Pulumi program deploys from: the validated stack config (`infra/config.ts`),
 * the kit's bindings/migrations declared in `worker/bindings.ts`, and the
 * server's manifest bindings as the stack supplies them
 * (`infra/server-bindings.ts`). Nothing here repeats a binding name, class or var.
 *
 * Secret values never appear; the secret names are listed in the header
 * comment (wrangler's own `secrets` field is experimental and warns).
 */
import { relative, resolve } from "node:path";
import type { FleetConfig, ServerConfig } from "../../infra/config.ts";
import { combinedTag } from "../../infra/migrations.ts";
import type { ResolvedBinding } from "../../infra/server-bindings.ts";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import type { ServerManifest } from "../../worker/kit/manifest.ts";
import {
  DURABLE_OBJECT_MIGRATIONS,
  MCP_AGENT,
  RATE_LIMITER,
  WORKER_VARS,
  type DurableObjectMigration,
  type WorkerVarName,
} from "../../worker/bindings.ts";

/** The subset of wrangler's RawConfig this writes (names as in wrangler's config-schema.json). */
export interface WranglerConfig {
  readonly $schema: string;
  readonly name: string;
  readonly main: string;
  readonly account_id: string;
  readonly compatibility_date: string;
  readonly compatibility_flags: string[];
  readonly workers_dev: boolean;
  readonly preview_urls: boolean;
  readonly routes: ({ pattern: string; custom_domain: true } | { pattern: string; zone_id: string })[];
  /** The kit's vars, then the manifest's. */
  readonly vars: Partial<Record<WorkerVarName, string>> & Record<string, string>;
  readonly durable_objects: { bindings: { name: string; class_name: string }[] };
  readonly migrations: WranglerMigration[];
  readonly ratelimits: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
  readonly observability: { enabled: true; head_sampling_rate: number };
  // The manifest's bindings (wrangler 4.79 config-schema.json names), present only when declared.
  /** `id` is absent for a namespace the stack creates: Cloudflare assigns it at deploy. */
  readonly kv_namespaces?: { binding: string; id?: string }[];
  readonly d1_databases?: { binding: string; database_name?: string; database_id?: string; migrations_dir?: string }[];
  readonly r2_buckets?: { binding: string; bucket_name: string }[];
  readonly queues?: { producers: { binding: string; queue: string }[] };
  readonly services?: { binding: string; service: string; entrypoint?: string }[];
  readonly hyperdrive?: { binding: string; id: string }[];
  readonly ai?: { binding: string };
  readonly analytics_engine_datasets?: { binding: string; dataset?: string }[];
}

/** A server's code as the wrangler config needs it: its manifest, and its bindings resolved against the stack. */
export interface WranglerServerCode {
  readonly manifest: ServerManifest;
  /** `offlineBindings` (infra/local-run.ts): secrets left out. */
  readonly bindings: readonly ResolvedBinding[];
}

export interface WranglerMigration {
  readonly tag: string;
  readonly new_sqlite_classes?: string[];
  readonly new_classes?: string[];
  readonly renamed_classes?: { from: string; to: string }[];
  readonly deleted_classes?: string[];
}

export interface WranglerConfigOptions {
  /** Directory the file will be written to; `main` and `$schema` are relative to it. @default the repository root */
  readonly configDir?: string;
  /** @default DURABLE_OBJECT_MIGRATIONS */
  readonly ledger?: readonly DurableObjectMigration[];
  /** The server's manifest bindings, Durable Objects and ledger. @default none (a server without a manifest) */
  readonly code?: WranglerServerCode;
}

/** Re-exported for the CLI and its tests; one implementation serves every single-server tool. */
export { selectServer } from "../../infra/select-server.ts";

export function wranglerConfigFor(fleet: FleetConfig, server: ServerConfig, options: WranglerConfigOptions = {}): WranglerConfig {
  const configDir = options.configDir ?? REPO_ROOT;
  const fromConfig = (path: string): string => {
    const rel = relative(configDir, resolve(REPO_ROOT, path)).split("\\").join("/");
    return rel.startsWith(".") ? rel : `./${rel}`;
  };
  // Same rule as the deployed bindings: an empty var is left out and the worker's default applies.
  const vars: Partial<Record<WorkerVarName, string>> & Record<string, string> = {};
  for (const name of Object.keys(WORKER_VARS) as WorkerVarName[]) if (server.vars[name] !== "") vars[name] = server.vars[name];
  const bindings = options.code?.bindings ?? [];
  for (const binding of bindings) if (binding.kind === "var") vars[binding.name] = binding.value;
  const manifest = options.code?.manifest ?? {};
  const serverLedger = manifest.migrations ?? [];
  const kitLedger = options.ledger ?? DURABLE_OBJECT_MIGRATIONS;
  const lastKitTag = kitLedger.at(-1)?.tag;
  return {
    $schema: fromConfig("node_modules/wrangler/config-schema.json"),
    name: server.name,
    main: fromConfig(server.source),
    account_id: fleet.accountId,
    compatibility_date: server.compatibilityDate,
    compatibility_flags: [...server.compatibilityFlags],
    workers_dev: server.workersDev,
    preview_urls: false,
    routes: [
      ...(server.customDomain ? [{ pattern: server.customDomain.hostname, custom_domain: true as const }] : []),
      ...server.routes.map((route) => ({ pattern: route.pattern, zone_id: route.zoneId })),
    ],
    vars,
    durable_objects: {
      bindings: [
        { name: MCP_AGENT.binding, class_name: MCP_AGENT.className },
        ...Object.entries(manifest.durableObjects ?? {}).map(([name, declaration]) => ({ name, class_name: declaration.className })),
      ],
    },
    // One list, as wrangler keeps it: the kit's steps, then the server's tagged `<last kit tag>+<server tag>`
    // (infra/migrations.ts combinedTag), so the last tag is the one Pulumi records on the script.
    migrations: [
      ...kitLedger.map(toWranglerMigration),
      ...serverLedger.map((step) => toWranglerMigration({ ...step, tag: combinedTag(lastKitTag, step.tag) ?? step.tag })),
    ],
    ratelimits: [
      { name: RATE_LIMITER.binding, namespace_id: server.rateLimit.namespaceId, simple: { limit: server.rateLimit.limit, period: server.rateLimit.periodSeconds } },
    ],
    observability: { enabled: true, head_sampling_rate: server.observabilitySampleRate },
    ...manifestBindings(bindings, fromConfig),
  };
}

/** The manifest's resolved bindings in wrangler's keys; kinds without a binding are left out. */
function manifestBindings(bindings: readonly ResolvedBinding[], fromConfig: (path: string) => string): Partial<WranglerConfig> {
  const kv: NonNullable<WranglerConfig["kv_namespaces"]> = [];
  const d1: NonNullable<WranglerConfig["d1_databases"]> = [];
  const r2: NonNullable<WranglerConfig["r2_buckets"]> = [];
  const producers: NonNullable<WranglerConfig["queues"]>["producers"] = [];
  const services: NonNullable<WranglerConfig["services"]> = [];
  const hyperdrive: NonNullable<WranglerConfig["hyperdrive"]> = [];
  const datasets: NonNullable<WranglerConfig["analytics_engine_datasets"]> = [];
  let ai: WranglerConfig["ai"];
  for (const binding of bindings) {
    switch (binding.kind) {
      case "kv":
        kv.push({ binding: binding.name, ...(binding.id ? { id: binding.id } : {}) });
        break;
      case "d1":
        d1.push({
          binding: binding.name,
          ...(binding.create ? { database_name: binding.create.name } : {}),
          ...(binding.id ? { database_id: binding.id } : {}),
          ...(binding.migrationsDir ? { migrations_dir: fromConfig(binding.migrationsDir) } : {}),
        });
        break;
      case "r2":
        r2.push({ binding: binding.name, bucket_name: binding.bucket });
        break;
      case "queue":
        producers.push({ binding: binding.name, queue: binding.queue });
        break;
      case "service":
        services.push({ binding: binding.name, service: binding.script, ...(binding.entrypoint ? { entrypoint: binding.entrypoint } : {}) });
        break;
      case "hyperdrive":
        hyperdrive.push({ binding: binding.name, id: binding.id });
        break;
      case "ai":
        ai = { binding: binding.name };
        break;
      case "analytics_engine":
        datasets.push({ binding: binding.name, ...(binding.dataset ? { dataset: binding.dataset } : {}) });
        break;
      case "var":
      case "secret":
        break;
    }
  }
  return {
    ...(kv.length > 0 ? { kv_namespaces: kv } : {}),
    ...(d1.length > 0 ? { d1_databases: d1 } : {}),
    ...(r2.length > 0 ? { r2_buckets: r2 } : {}),
    ...(producers.length > 0 ? { queues: { producers } } : {}),
    ...(services.length > 0 ? { services } : {}),
    ...(hyperdrive.length > 0 ? { hyperdrive } : {}),
    ...(ai ? { ai } : {}),
    ...(datasets.length > 0 ? { analytics_engine_datasets: datasets } : {}),
  };
}

/** Bindings the stack creates: their ids exist only once Pulumi has created them. */
export function createdResourcesOf(code: WranglerServerCode | undefined): string[] {
  return (code?.bindings ?? []).flatMap((binding) =>
    (binding.kind === "kv" || binding.kind === "d1" || binding.kind === "r2" || binding.kind === "queue") && binding.create ? [`${binding.name} (${binding.kind} ${binding.create.name})`] : [],
  );
}

/** One ledger step as a wrangler `[[migrations]]` entry (empty lists omitted). */
export function toWranglerMigration(step: DurableObjectMigration): WranglerMigration {
  return {
    tag: step.tag,
    ...(step.newSqliteClasses?.length ? { new_sqlite_classes: [...step.newSqliteClasses] } : {}),
    ...(step.newClasses?.length ? { new_classes: [...step.newClasses] } : {}),
    ...(step.renamedClasses?.length ? { renamed_classes: step.renamedClasses.map(({ from, to }) => ({ from, to })) } : {}),
    ...(step.deletedClasses?.length ? { deleted_classes: [...step.deletedClasses] } : {}),
  };
}

/** Names (never values) of the server's Pulumi-managed secrets, the stack's and its manifest's, sorted. */
export function secretNamesOf(server: ServerConfig, manifest: ServerManifest = {}): string[] {
  const fromManifest = Object.entries(manifest.bindings ?? {}).filter(([, declaration]) => declaration.kind === "secret").map(([name]) => name);
  return [...new Set([...server.secrets.keys(), ...fromManifest])].sort();
}

/** JSONC text with a header saying where it came from and what it is for. */
export function renderWranglerJsonc(config: WranglerConfig, stack: string, secretNames: readonly string[] = [], createdResources: readonly string[] = []): string {
  const header = [
    `// Generated by \`npm run wrangler-config -- --stack ${stack} --server ${config.name}\`; do not edit, regenerate.`,
    "// For day-2 debugging of what Pulumi deployed: `wrangler tail`, `wrangler dev`.",
    `// Deploy with \`pulumi up --stack ${stack}\`, not \`wrangler deploy\` (Pulumi tracks the migration tag and secrets).`,
    ...(secretNames.length > 0
      ? [`// Secrets (set by Pulumi, values not shown): ${secretNames.join(", ")}. For \`wrangler dev\`, put values in .dev.vars (never commit it).`]
      : []),
    ...(createdResources.length > 0
      ? [`// Created by the stack, ids assigned by Cloudflare at deploy (look them up in the dashboard to use them remotely): ${createdResources.join(", ")}.`]
      : []),
  ];
  return `${header.join("\n")}\n${JSON.stringify(config, null, 2)}\n`;
}
