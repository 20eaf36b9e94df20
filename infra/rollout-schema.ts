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

/** `pulumi config set` stores scalars as text: "2" is wave 2. */
const waveNumber = (what: string) =>
  z.preprocess(
    (value) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z
      .number({ error: `must be a wave number: 0, 1, 2… (${what})` })
      .int({ error: `must be a whole wave number: 0, 1, 2… (${what})` })
      .min(0, { error: `must be 0 or more (${what})` }),
  );

export const rolloutSchema = z.strictObject({
  /** Percent of requests the new version serves in the `canary` stage, 1–100. */
  share: percent,
  /**
   * The wave this server ramps in (0 runs first: the canary servers). Same
   * as naming the server in `rolloutWaves[wave]`.
   * @default the wave `rolloutWaves` gives it, else the last wave (one after every numbered wave)
   */
  wave: waveNumber("wave 0 ramps first, then 1, …; servers without a wave ramp last").optional(),
});

/**
 * A server name, or a pattern where `*` stands for any run of characters
 * (`team-a-*`). Lowercase letters, digits, dashes and `*`, like script names.
 */
const WAVE_ENTRY = /^[a-z0-9*-]{1,63}$/;

/**
 * `rolloutWaves[k]`: the servers of wave k, by name or pattern. A server named
 * exactly (or with `rollout.wave`) is in that wave whatever the patterns say;
 * `rollout:` servers nothing places go in one last wave after these.
 */
export const rolloutWavesSchema = z.array(
  z
    .array(z.string().regex(WAVE_ENTRY, { error: "must be a server name or a pattern like team-a-* (lowercase letters, digits, dashes and *)" }), {
      error: "must be a list of server names or patterns, e.g. [billing-mcp, team-a-*]",
    })
    .min(1, { error: "must name at least one server or pattern (a wave with no servers would ramp nothing)" }),
  { error: "must be a list of waves, each a list of server names or patterns, e.g. [[billing-mcp], [team-a-*]]" },
);

/** `pulumi up -c authgent-edge:rolloutWave=1`: the wave this run moves. */
export const rolloutWaveSchema = waveNumber("the wave this pulumi up moves; the others keep their deployed versions");

export const rolloutStageSchema = z.enum(ROLLOUT_STAGES, {
  error: `must be one of ${ROLLOUT_STAGES.join(", ")} (canary: new versions take each server's rollout.share; promote: 100%; rollback: the previous version takes 100% again)`,
});

export type RolloutConfig = z.infer<typeof rolloutSchema>;
