/**
 * Gradual deployments: which versions serve a `rollout:` server's traffic
 * after this run, from the stage, the deployed state and pending Durable
 * Object migrations.
 *
 * Cloudflare rules (developers.cloudflare.com/workers/configuration/versions-and-deployments/gradual-deployments/):
 * a deployment names one or two versions whose percentages total 100; a
 * version that carries Durable Object migrations cannot be deployed
 * gradually, it must take 100% (a Durable Object runs one version at a time,
 * and its class set changes with the migration).
 */
import type { DeployedVersion, DeploymentReader } from "./cloudflare-api.ts";
import { StackConfigError, type ConfigIssue, type FleetConfig, type ServerConfig } from "./config.ts";
import type { ScriptMigrations } from "./migrations.ts";
import type { RolloutStage } from "./rollout-schema.ts";
import { DEFAULT_ROLLOUT_WAVE } from "./rollout-waves.ts";

/** @default stage when the stack does not set `rolloutStage`. */
export const DEFAULT_ROLLOUT_STAGE: RolloutStage = "canary";

/** What one server's deployment does this run. */
export type RolloutPlan =
  /** The new version takes `share`%, the stable version (the deployed one serving most) the rest. */
  | { readonly kind: "gradual"; readonly share: number; readonly deployed: readonly DeployedVersion[] }
  /** The new version takes 100% (promotion, a first deploy, share 100, or a Durable Object migration). */
  | { readonly kind: "at-once"; readonly reason: string }
  /**
   * The stable version takes 100% again; the new version stays uploaded,
   * serving nothing. `previous`: the deployment before the latest, for when
   * the new version took 100% at once and the latest names no other.
   */
  | { readonly kind: "rollback"; readonly deployed: readonly DeployedVersion[]; readonly previous?: readonly DeployedVersion[] }
  /**
   * Another wave moves this run: the server keeps exactly what it serves.
   * Its script, version and deployment ignore every input change
   * (`ignoreChanges: ["*"]`), so the engine diffs them against their own
   * state and the preview shows no change; `deployed` (the live split) is
   * what a deployment resource that does not exist yet is created with, so
   * even that moves no traffic.
   */
  | { readonly kind: "hold"; readonly wave: number; readonly deployed: readonly DeployedVersion[] };

export interface RolloutInput {
  readonly server: ServerConfig;
  /** `servers[i]`, for messages. */
  readonly at: string;
  readonly stage: RolloutStage;
  /** The latest deployment; undefined when the script does not exist yet. */
  readonly deployed: readonly DeployedVersion[] | undefined;
  /** The tag this run's Durable Object migrations end at, when it has any. */
  readonly migrationTo: string | undefined;
  /** The deployment before the latest, read for a rollback whose latest deployment names one version. @default none */
  readonly previous?: readonly DeployedVersion[] | undefined;
}

export type RolloutResult = { readonly ok: true; readonly plan: RolloutPlan } | { readonly ok: false; readonly issue: ConfigIssue };

/**
 * The stable version: of the deployed versions other than the new one, the
 * one serving the most traffic. The new version's id is known only once it is
 * uploaded (or unchanged), hence `newVersionId` is optional for previews.
 */
export function stableVersion(deployed: readonly DeployedVersion[] | undefined, newVersionId?: string): string | undefined {
  const others = (deployed ?? []).filter((v) => v.versionId !== newVersionId);
  return [...others].sort((a, b) => b.percentage - a.percentage)[0]?.versionId;
}

export function planRollout(input: RolloutInput): RolloutResult {
  const { server, at, stage, deployed, migrationTo } = input;
  const share = server.rollout?.share ?? 100;
  const stable = stableVersion(deployed);
  const midRollout = (deployed?.length ?? 0) > 1;
  if (migrationTo !== undefined) {
    if (midRollout && stage !== "rollback") {
      return {
        ok: false,
        issue: {
          path: `${at}.rollout`,
          message:
            `cannot take this change gradually: ${server.scriptName} is mid-rollout (${describe(deployed ?? [])}) and the change brings Durable Object migrations up to tag ${migrationTo}, ` +
            "which Cloudflare deploys only at 100%. Finish the rollout first (`pulumi up -c authgent-edge:rolloutStage=promote`, or `=rollback`), then deploy again: the migration then deploys at once",
        },
      };
    }
    if (stage !== "rollback") return { ok: true, plan: { kind: "at-once", reason: `it brings Durable Object migrations up to tag ${migrationTo}, which cannot be deployed gradually` } };
  }
  if (stage === "rollback") {
    if (stable === undefined) {
      return { ok: false, issue: { path: "rolloutStage", message: `is rollback, but ${server.scriptName} has no deployed version to return to: deploy with rolloutStage canary or promote` } };
    }
    return { ok: true, plan: { kind: "rollback", deployed: deployed ?? [], ...(input.previous ? { previous: input.previous } : {}) } };
  }
  if (stage === "promote") return { ok: true, plan: { kind: "at-once", reason: "rolloutStage is promote" } };
  if (stable === undefined) return { ok: true, plan: { kind: "at-once", reason: "it is the script's first deployment" } };
  if (share === 100) return { ok: true, plan: { kind: "at-once", reason: "rollout.share is 100" } };
  return { ok: true, plan: { kind: "gradual", share, deployed: deployed ?? [] } };
}

/**
 * The `versions` of the WorkersDeployment once the new version's id is known.
 * An unchanged new version that is itself the stable one just keeps 100%.
 */
export function deploymentVersions(plan: RolloutPlan, newVersionId: string): { versionId: string; percentage: number }[] {
  if (plan.kind === "at-once") return [{ versionId: newVersionId, percentage: 100 }];
  if (plan.kind === "hold") return plan.deployed.map((v) => ({ versionId: v.versionId, percentage: v.percentage }));
  const stable = stableVersion(plan.deployed, newVersionId);
  if (plan.kind === "rollback") {
    // After an at-once canary the latest deployment is the new version alone: return to the one before it.
    const back = stable ?? stableVersion(plan.previous, newVersionId);
    if (back === undefined) throw new Error(`rollback: no deployed version other than ${newVersionId} to return to, in the latest deployment or the one before`);
    return [{ versionId: back, percentage: 100 }];
  }
  // Already promoted (the new version is all that serves): canary does not go backwards.
  if (stable === undefined) return [{ versionId: newVersionId, percentage: 100 }];
  return [
    { versionId: newVersionId, percentage: plan.share },
    { versionId: stable, percentage: 100 - plan.share },
  ];
}

/** One line for the preview. */
export function rolloutNote(scriptName: string, plan: RolloutPlan): string {
  switch (plan.kind) {
    case "gradual":
      return `${scriptName}: the new version takes ${plan.share}% of requests, version ${String(stableVersion(plan.deployed))} keeps ${100 - plan.share}% until rolloutStage promote (or rollback)`;
    case "at-once":
      return `${scriptName}: the new version takes 100% at once because ${plan.reason}`;
    case "rollback":
      return `${scriptName}: rolling back, the previous version takes 100% again (the new version stays uploaded and serves nothing)`;
    case "hold":
      return `${scriptName}: wave ${plan.wave} is not moving this run: it keeps ${describe(plan.deployed)} (no change)`;
  }
}

function describe(deployed: readonly DeployedVersion[]): string {
  return deployed.map((v) => `${v.versionId} at ${v.percentage}%`).join(", ");
}

/** A `rollout:` server's plan, by script name. */
export type RolloutPlans = ReadonlyMap<string, { readonly plan: RolloutPlan; readonly scriptExists: boolean }>;

/**
 * Reads the deployments of the `rollout:` servers (one request each; servers
 * without `rollout:` cost nothing) and plans each. Every refusal is reported
 * at once, before any resource is declared.
 */
export async function planRollouts(
  config: FleetConfig,
  reader: DeploymentReader,
  migrations: ReadonlyMap<string, ScriptMigrations | undefined>,
): Promise<{ plans: RolloutPlans; notes: string[] }> {
  const stage = config.rolloutStage ?? DEFAULT_ROLLOUT_STAGE;
  const rolling = config.servers.map((server, index) => ({ server, index })).filter(({ server }) => server.rollout !== undefined);
  const deployed = await Promise.all(rolling.map(({ server }) => reader.currentDeployment(config.accountId, server.scriptName)));
  const previous = await Promise.all(rolling.map(({ server }, i) => (needsPrevious(config, stage, server, deployed[i]) ? reader.previousDeployment?.(config.accountId, server.scriptName) : undefined)));
  const plans = new Map<string, { plan: RolloutPlan; scriptExists: boolean }>();
  const issues: ConfigIssue[] = [];
  const notes: string[] = [];
  rolling.forEach(({ server, index }, i) => {
    const to = migrations.get(server.scriptName)?.newTag;
    const input: RolloutInput = { server, at: `servers[${index}]`, stage, deployed: deployed[i], migrationTo: typeof to === "string" ? to : undefined, previous: previous[i] };
    const result = config.rolloutWaveCount ? planWaveRollout(input, config.rolloutWave ?? DEFAULT_ROLLOUT_WAVE) : planRollout(input);
    if (!result.ok) return void issues.push(result.issue);
    plans.set(server.scriptName, { plan: result.plan, scriptExists: deployed[i] !== undefined });
    // Held servers are summed up in one wave note: a 500-server fleet gets one line for them, not 500.
    if (result.plan.kind !== "hold") notes.push(rolloutNote(server.scriptName, result.plan));
  });
  if (issues.length > 0) throw new StackConfigError(config.stack, issues);
  return { plans, notes };
}

/** A rollback of a moving server whose latest deployment names one version: only the deployment before can name another. */
function needsPrevious(config: FleetConfig, stage: RolloutStage, server: ServerConfig, deployed: readonly DeployedVersion[] | undefined): boolean {
  const moves = !config.rolloutWaveCount || server.rollout?.wave === (config.rolloutWave ?? DEFAULT_ROLLOUT_WAVE);
  return stage === "rollback" && moves && deployed?.length === 1;
}

/**
 * A server of a stack with waves: the stage applies to the servers of the
 * wave this run moves; every other wave holds. A script that does not exist
 * yet has nothing to hold, so it deploys at once whatever its wave (as any
 * first deployment does).
 */
export function planWaveRollout(input: RolloutInput, currentWave: number): RolloutResult {
  const wave = input.server.rollout?.wave;
  if (wave === undefined || wave === currentWave) return planRollout(input);
  if (input.deployed === undefined || input.deployed.length === 0) {
    return { ok: true, plan: { kind: "at-once", reason: `it is the script's first deployment (a new script has no version to keep until wave ${wave} runs)` } };
  }
  return { ok: true, plan: { kind: "hold", wave, deployed: input.deployed } };
}
