/**
 * A stack's MCP server as a `wrangler.jsonc`, for day-2 debugging with
 * wrangler (`wrangler tail`, `wrangler dev`), derived from the same sources the
 * Pulumi program deploys from: the validated stack config (`infra/config.ts`)
 * and the bindings/migrations declared in `worker/bindings.ts`. Nothing here
 * repeats a binding name, class or var.
 *
 * Secret values never appear; the secret names are listed in the header
 * comment (wrangler's own `secrets` field is experimental and warns).
 */
import { relative, resolve } from "node:path";
import type { FleetConfig, ServerConfig } from "../../infra/config.ts";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
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
  readonly vars: Partial<Record<WorkerVarName, string>>;
  readonly durable_objects: { bindings: { name: string; class_name: string }[] };
  readonly migrations: WranglerMigration[];
  readonly ratelimits: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
  readonly observability: { enabled: true; head_sampling_rate: number };
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
  const vars: Partial<Record<WorkerVarName, string>> = {};
  for (const name of Object.keys(WORKER_VARS) as WorkerVarName[]) if (server.vars[name] !== "") vars[name] = server.vars[name];
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
    durable_objects: { bindings: [{ name: MCP_AGENT.binding, class_name: MCP_AGENT.className }] },
    migrations: (options.ledger ?? DURABLE_OBJECT_MIGRATIONS).map(toWranglerMigration),
    ratelimits: [
      { name: RATE_LIMITER.binding, namespace_id: server.rateLimit.namespaceId, simple: { limit: server.rateLimit.limit, period: server.rateLimit.periodSeconds } },
    ],
    observability: { enabled: true, head_sampling_rate: server.observabilitySampleRate },
  };
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

/** Names (never values) of the server's Pulumi-managed secrets, sorted. */
export function secretNamesOf(server: ServerConfig): string[] {
  return [...server.secrets.keys()].sort();
}

/** JSONC text with a header saying where it came from and what it is for. */
export function renderWranglerJsonc(config: WranglerConfig, stack: string, secretNames: readonly string[] = []): string {
  const header = [
    `// Generated by \`npm run wrangler-config -- --stack ${stack} --server ${config.name}\`; do not edit, regenerate.`,
    "// For day-2 debugging of what Pulumi deployed: `wrangler tail`, `wrangler dev`.",
    `// Deploy with \`pulumi up --stack ${stack}\`, not \`wrangler deploy\` (Pulumi tracks the migration tag and secrets).`,
    ...(secretNames.length > 0
      ? [`// Secrets (set by Pulumi, values not shown): ${secretNames.join(", ")}. For \`wrangler dev\`, put values in .dev.vars (never commit it).`]
      : []),
  ];
  return `${header.join("\n")}\n${JSON.stringify(config, null, 2)}\n`;
}
