/**
 * The stack, given a validated config: what `pulumi up` runs (via
 * `index.ts`), and what `npm run plan`, the tests and the benchmark run under
 * mocks. Issue 4 adds the Authgent host here when `config.authgent` is set.
 */
import * as pulumi from "@pulumi/pulumi";
import { deployAuthgent, type AuthgentOutputs } from "./authgent/deploy.ts";
import type { ClusterReader } from "./authgent/kubernetes/cluster-checks.ts";
import { checkAuthgentCluster } from "./authgent/kubernetes/preview-check.ts";
import type { BundleBuilder } from "./bundles.ts";
import { noDeployments, type DeploymentReader, type MigrationTagReader } from "./cloudflare-api.ts";
import type { FleetConfig } from "./config.ts";
import { McpFleet, type McpFleetArgs } from "./components/mcp-fleet.ts";
import type { D1QueryApi } from "./d1-migrations.ts";
import { dataNotes } from "./data-notes.ts";
import { withCheapStacks } from "./declare-fast.ts";
import { planMigrations, type MigrationLedger } from "./migrations.ts";
import { migrationNotes, renameNotes, retirementNotes, waveNotes } from "./preview-notes.ts";
import { programDirectory } from "./program-dir.ts";
import { removalNotes } from "./removed-data.ts";
import { loadFleetCode } from "./server-code.ts";
import { planRollouts } from "./rollout.ts";

/** Logical name of the fleet component (parent of every server). */
export const FLEET_NAME = "mcp-fleet";

export interface DeployStackOptions {
  /** Source of each script's deployed migration tag. */
  readonly migrationTags: MigrationTagReader;
  /** Source of each `rollout:` server's current deployment. @default noDeployments() — a fresh account */
  readonly deployments?: DeploymentReader;
  /** @default DURABLE_OBJECT_MIGRATIONS */
  readonly ledger?: MigrationLedger;
  /** @default bundleWorker (esbuild) */
  readonly build?: BundleBuilder;
  /**
   * Working directory of the provider plugins, which resolve `contentFile`
   * from it: `process.cwd()` under `pulumi up` (the engine runs the program
   * and the providers in the same directory).
   * @default programDirectory() — where Pulumi.yaml's `main` puts them
   */
  readonly providerDir?: string;
  /**
   * Receives the notes that explain the diff (renames, migration uploads).
   * @default pulumi.log.info — printed with the preview
   */
  readonly note?: (message: string) => void;
  /**
   * Asks the cluster of `authgent.kubernetes` whether its ingress class and
   * cert-manager exist, before anything is declared.
   * @default none: not checked, with a note (the offline plan has no cluster)
   */
  readonly cluster?: ClusterReader;
  /** Escape hatch applied to every server's script args. @default identity */
  readonly transformScript?: McpFleetArgs["transformScript"];
  /** Applies the SQL migrations of the D1 databases the stack creates, during `pulumi up`. @default none — listed in the notes, not applied (offline plan) */
  readonly d1?: D1QueryApi;
  /**
   * A secret a server's code declares that the stack has not set: refused,
   * or (offline plan only) a placeholder with a warning note.
   * @default "refuse"
   */
  readonly missingSecrets?: "refuse" | "placeholder";
  /**
   * The last deploy's `servers` output (`undefined` on a first deploy), read
   * once per run, so the preview can say which servers and created resources
   * were removed since and what data they hold (`removed-data.ts`). A failed
   * read is a note, never a failed run.
   * @default none: removals are not listed (the engine still refuses to delete protected resources)
   */
  readonly previousServers?: () => Promise<unknown>;
}

/** Stack outputs, one entry per server; `authgent` when the stack deploys Authgent (issue 4). */
export type StackOutputs = { readonly servers: McpFleet["servers"]; readonly authgent?: AuthgentOutputs };

export async function deployStack(stackConfig: FleetConfig, options: DeployStackOptions): Promise<StackOutputs> {
  // The servers' code first (local, no API call): one bundle per source, described once, and every
  // binding the code declares checked against the stack, so a mismatch fails before any request.
  const code = await loadFleetCode(stackConfig, {
    providerDir: options.providerDir ?? programDirectory(),
    ...(options.build ? { build: options.build } : {}),
    ...(options.missingSecrets ? { missingSecrets: options.missingSecrets } : {}),
  });
  // From here on each server's `scopes` are the ones its code requires.
  const { config } = code;
  // One read of the last deploy's outputs, in flight while the migration tags and deployments are read.
  const previousRead = readPrevious(options.previousServers);
  const names = config.servers.map((s) => s.scriptName);
  const deployedTags = new Map<string, string | undefined>();
  const recordingReader: MigrationTagReader = {
    currentTag: async (accountId, scriptName) => {
      const tag = await options.migrationTags.currentTag(accountId, scriptName);
      deployedTags.set(scriptName, tag);
      return tag;
    },
  };
  await checkAuthgentCluster(config, options.cluster, options.note ?? logNote);
  const migrations = await planMigrations(config.accountId, names, recordingReader, options.ledger, code.ledgers);
  const rollouts = await planRollouts(config, options.deployments ?? noDeployments(), migrations);
  // A held server (its wave is not moving) applies no migration this run: it waits for its wave.
  const moving = names.filter((name) => rollouts.plans.get(name)?.plan.kind !== "hold");
  const previous = await previousRead;
  const notes = [
    ...previous.notes,
    ...removalNotes(previous.servers, config.servers, code.servers, config.retiredServers ?? []),
    ...code.warnings.map((warning) => `warning: ${warning.path} ${warning.message}`),
    ...renameNotes(config.servers),
    ...retirementNotes(config.servers, config.retiredServers ?? []),
    ...dataNotes(config.servers, code.servers, config.retiredServers ?? []),
    ...migrationNotes(moving, deployedTags, migrations),
    ...waveNotes(config, rollouts.plans),
    ...rollouts.notes,
  ];
  for (const note of notes) (options.note ?? logNote)(note);
  const fleet = await withCheapStacks(
    () =>
      new McpFleet(FLEET_NAME, {
        config,
        bundles: code.bundles,
        code: code.servers,
        ...(options.d1 ? { d1: options.d1 } : {}),
        migrations,
        rollouts: rollouts.plans,
        ...(options.transformScript ? { transformScript: options.transformScript } : {}),
      }),
  );
  // Issue 4: Authgent on its Docker host; no `authgent:` block, no Docker resources.
  const authgent = deployAuthgent(config);
  return { servers: fleet.servers, ...(authgent ? { authgent } : {}) };
}

/** Notes starting "warning: " print as the engine's warnings (yellow, counted in the summary); the rest as info. */
function logNote(message: string): void {
  const warning = /^warning: /.exec(message);
  void (warning ? pulumi.log.warn(message.slice(warning[0].length)) : pulumi.log.info(message));
}

async function readPrevious(read: DeployStackOptions["previousServers"]): Promise<{ servers: unknown; notes: string[] }> {
  if (!read) return { servers: undefined, notes: [] };
  try {
    return { servers: await read(), notes: [] };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      servers: undefined,
      notes: [`could not read this stack's previous outputs (${reason}): servers and resources removed since the last deploy are not listed here; the engine still refuses to delete the protected ones and names them.`],
    };
  }
}
