/**
 * Renders a stack offline: the real program (`infra/program.ts`) under
 * Pulumi's mocks, no CLI, credentials or network. `npm run plan`, the infra
 * tests and the benchmark all come through here.
 *
 * Plan JSON (stable; `resources` sorted by name, object keys sorted):
 *
 *     { "stack": "staging",
 *       "resources": [ { "type": "cloudflare:index/workersScript:WorkersScript",
 *                        "name": "my-mcp-server-staging-script",
 *                        "parent": "my-mcp-server-staging",   // logical name; null = the stack
 *                        "inputs": { …, "bindings": [ …, { "type": "secret_text", "text": "[secret]" } ] },
 *                        "protect": true } ] }                  // only where the program sets the option
 */
import { fixedMigrationTag, type DeploymentReader, type MigrationTagReader } from "../../infra/cloudflare-api.ts";
import { PROJECT, type ConfigIssue, type FleetConfig } from "../../infra/config.ts";
import { loadStackFileConfig, type ReadStackFileOptions } from "../../infra/config-source.ts";
import type { MigrationLedger } from "../../infra/migrations.ts";
import { withoutSourceMaps } from "../../infra/declare-fast.ts";
import { deployStack, type DeployStackOptions, type StackOutputs } from "../../infra/program.ts";
import { startMockEngine, type MockEngineOptions, type PlanValue, type RegisteredResource } from "./mock-engine.ts";

export interface PlanResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly inputs: { [key: string]: PlanValue };
  /** The `protect` resource option, where the program sets it (Worker scripts holding Durable Object data). */
  readonly protect?: boolean;
}

export interface Plan {
  readonly stack: string;
  readonly resources: readonly PlanResource[];
}

export interface RenderOptions {
  /**
   * The deployed migration tag to plan against, for every script.
   * @default undefined (a fresh account: every migration step is sent)
   */
  readonly currentMigrationTag?: string;
  /** Overrides `currentMigrationTag`, e.g. a client of the fake Cloudflare API. @default fixedMigrationTag(currentMigrationTag) */
  readonly migrationTags?: MigrationTagReader;
  /** Current deployments of `rollout:` servers, e.g. a client of the fake Cloudflare API. @default none (a fresh account) */
  readonly deployments?: DeploymentReader;
  /** @default DURABLE_OBJECT_MIGRATIONS */
  readonly ledger?: MigrationLedger;
  /** @default bundleWorker (esbuild) */
  readonly build?: DeployStackOptions["build"];
  /** Provider stand-in (see `MockEngineOptions.onCreate`). @default none: resources echo their inputs */
  readonly onCreate?: MockEngineOptions["onCreate"];
  /** Run as `pulumi preview` (true) or `pulumi up` (false). @default false */
  readonly preview?: boolean;
  /**
   * A secret a server's code declares that the stack has not set: a
   * placeholder and a warning note, so committed stacks (which cannot carry
   * secrets) render; "refuse" is what `pulumi preview`/`up` do.
   * @default "placeholder"
   */
  readonly missingSecrets?: "refuse" | "placeholder";
  /** Applies created D1 databases' migrations (e.g. a client of the fake Cloudflare API). @default none */
  readonly d1?: DeployStackOptions["d1"];
  /**
   * The stack's outputs from its last deploy (`pulumi stack output --json`),
   * standing in for the program's read of its own stack: servers and created
   * resources gone since then get the preview's removal warnings.
   * @default none: a first deploy
   */
  readonly previousOutputs?: Readonly<Record<string, unknown>>;
}

export interface Rendered {
  readonly plan: Plan;
  /** Full records, including which input paths were sent as secrets. */
  readonly resources: readonly RegisteredResource[];
  readonly outputs: StackOutputs;
  /** The notes `pulumi preview` would print beside the diff (renames, migration uploads). */
  readonly notes: readonly string[];
}

/** Runs the program for an already validated config. */
export async function renderFleet(config: FleetConfig, options: RenderOptions = {}): Promise<Rendered> {
  const engine = await startMockEngine({
    project: PROJECT,
    stack: config.stack,
    preview: options.preview ?? false,
    ...(options.onCreate ? { onCreate: options.onCreate } : {}),
  });
  const notes: string[] = [];
  // Pulumi formats a stack trace per promise; through source maps that dominated large fleets (declare-fast.ts).
  const outputs = await withoutSourceMaps(async () => {
    const declared = await deployStack(config, {
      note: (message) => notes.push(message),
      migrationTags: options.migrationTags ?? fixedMigrationTag(options.currentMigrationTag),
      ...(options.deployments ? { deployments: options.deployments } : {}),
      ...(options.ledger ? { ledger: options.ledger } : {}),
      ...(options.build ? { build: options.build } : {}),
      ...(options.d1 ? { d1: options.d1 } : {}),
      ...(options.previousOutputs ? { previousServers: async () => options.previousOutputs?.["servers"] } : {}),
      missingSecrets: options.missingSecrets ?? "placeholder",
    });
    await engine.settle();
    return declared;
  });
  if (engine.failures.length > 0) throw engine.failures[0];
  const resources = [...engine.resources].sort(byName);
  return {
    plan: { stack: config.stack, resources: resources.map(({ type, name, parent, inputs, protect }) => ({ type, name, parent, inputs, ...(protect === undefined ? {} : { protect }) })) },
    resources,
    outputs,
    notes,
  };
}

/** Reads `Pulumi.<stack>.yaml` (secure values as placeholders) and renders it. */
export async function renderStack(stack: string, options: RenderOptions & ReadStackFileOptions = {}): Promise<Rendered> {
  return renderFleet(await loadStackFileConfig(stack, options), options);
}

function byName(a: RegisteredResource, b: RegisteredResource): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

/** One line per config warning (see `FleetConfig.warnings`), as `npm run plan` and `npm start --stack` print them. */
export function formatConfigWarnings(warnings: readonly ConfigIssue[]): string[] {
  return warnings.map((warning) => `warning: ${warning.path} ${warning.message}`);
}

/** Human-readable listing: one block per resource, inputs as indented JSON. */
export function formatPlan(plan: Plan): string {
  const lines = [`Stack ${plan.stack}: ${plan.resources.length} resources (offline plan, nothing deployed)`, ""];
  for (const resource of plan.resources) {
    lines.push(`+ ${resource.type}  ${resource.name}${resource.parent ? `  (parent: ${resource.parent})` : ""}${resource.protect ? "  [protected]" : ""}`);
    if (Object.keys(resource.inputs).length > 0) {
      lines.push(...JSON.stringify(resource.inputs, null, 2).split("\n").map((line) => `    ${line}`));
    }
  }
  return lines.join("\n");
}
