/**
 * Stack config for gradual deployments (Cloudflare "gradual deployments":
 * a new Worker version takes a share of traffic, is verified, then promoted
 * or rolled back). Shape only; the rules that need the deployed state live in
 * `rollout.ts`.
 */
import { z } from "zod";

/**
 * What `pulumi up` does with the new version of every server that has a
 * `rollout:` block. The deploy workflow walks them in order:
 * canary → (verify) → promote, or rollback when verify fails.
 */
export const ROLLOUT_STAGES = ["canary", "promote", "rollback"] as const;
export type RolloutStage = (typeof ROLLOUT_STAGES)[number];

/** `pulumi config set --path 'servers[0].rollout.share' 10` may store "10". */
const percent = z.preprocess(
  (value) => (typeof value === "string" && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : value),
  z
    .number({ error: "must be a whole percentage from 1 to 100 (the share of traffic the new version takes before it is promoted)" })
    .int({ error: "must be a whole percentage from 1 to 100 (the share of traffic the new version takes before it is promoted)" })
    .min(1, { error: "must be from 1 to 100: the new version needs some traffic to be verified (use rolloutStage: rollback to send it none)" })
    .max(100, { error: "must be from 1 to 100 (100 deploys at once, like a server without rollout)" }),
);

export const rolloutSchema = z.strictObject({
  /** Percent of requests the new version serves in the `canary` stage, 1–100. */
  share: percent,
});

export const rolloutStageSchema = z.enum(ROLLOUT_STAGES, {
  error: `must be one of ${ROLLOUT_STAGES.join(", ")} (canary: new versions take each server's rollout.share; promote: 100%; rollback: the previous version takes 100% again)`,
});

export type RolloutConfig = z.infer<typeof rolloutSchema>;
