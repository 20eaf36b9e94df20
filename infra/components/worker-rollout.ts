/**
 * A `rollout:` server's code goes out as a Worker version plus a deployment
 * that splits traffic (Cloudflare gradual deployments), instead of through
 * the script upload, which always deploys at 100%.
 *
 * The WorkersScript stays the owner of the script (its creation, settings
 * and, for a fresh script, the first migrations); its code-carrying inputs
 * are ignored after creation so it never re-uploads over a rollout. Turning
 * `rollout:` on or off therefore never replaces the script (its Durable
 * Object data stays), and the version/deployment resources delete as no-ops
 * (terraform-provider-cloudflare `worker_version` and `workers_deployment`
 * have empty Delete).
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { MAIN_MODULE } from "../../worker/bindings.ts";
import type { ScriptMigrations } from "../migrations.ts";
import { deploymentVersions, type RolloutPlan } from "../rollout.ts";

/** WorkersScript inputs that belong to a version; a rollout server's script ignores their changes. */
export const VERSION_INPUTS = ["contentFile", "contentSha256", "mainModule", "bindings", "compatibilityDate", "compatibilityFlags", "migrations", "keepBindings"];

/**
 * `ignoreChanges` of a held server's script, version and deployment: every
 * input keeps its value from the state, so nothing is uploaded or redeployed
 * and the preview shows no change (the wildcard is the engine's, pulumi/pulumi#13005;
 * inputs are still used on create, pulumi.com/docs/iac/concepts/options/ignorechanges).
 */
export const HOLD_ALL_INPUTS = ["*"];

/** The `Content-Type` of an ES module part (Workers upload format). */
const MODULE_CONTENT_TYPE = "application/javascript+module";

export interface WorkerRolloutArgs {
  readonly accountId: string;
  readonly scriptName: pulumi.Input<string>;
  /** The script args the version shares (code, bindings, compatibility). */
  readonly script: cloudflare.WorkersScriptArgs;
  /** Migrations the version applies when deployed (an existing script only). */
  readonly migrations?: ScriptMigrations;
  readonly plan: RolloutPlan;
}

export interface WorkerRollout {
  readonly version: cloudflare.WorkerVersion;
  readonly deployment: cloudflare.WorkersDeployment;
}

/** `opts(suffix)`: the options of the child named `${name}${suffix}` (parent, aliases). */
export function createWorkerRollout(name: string, args: WorkerRolloutArgs, opts: (suffix: string) => pulumi.CustomResourceOptions): WorkerRollout {
  const { script } = args;
  const hold = args.plan.kind === "hold" ? { ignoreChanges: HOLD_ALL_INPUTS } : {};
  const version = new cloudflare.WorkerVersion(
    `${name}-version`,
    {
      accountId: args.accountId,
      workerId: args.scriptName,
      mainModule: MAIN_MODULE,
      modules: [{ name: MAIN_MODULE, contentType: MODULE_CONTENT_TYPE, contentFile: script.contentFile, contentSha256: script.contentSha256 }],
      ...(script.bindings ? { bindings: script.bindings as pulumi.Input<pulumi.Input<cloudflare.types.input.WorkerVersionBinding>[]> } : {}),
      ...(script.compatibilityDate ? { compatibilityDate: script.compatibilityDate } : {}),
      ...(script.compatibilityFlags ? { compatibilityFlags: script.compatibilityFlags } : {}),
      ...(args.migrations ? { migrations: args.migrations } : {}),
    },
    { ...opts("-version"), ...hold },
  );
  const deployment = new cloudflare.WorkersDeployment(
    `${name}-deployment`,
    {
      accountId: args.accountId,
      scriptName: args.scriptName,
      strategy: "percentage",
      versions: version.id.apply((id) => deploymentVersions(args.plan, id)),
    },
    { ...opts("-deployment"), ...hold },
  );
  return { version, deployment };
}
