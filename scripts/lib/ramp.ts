/**
 * The deploy ramp of one stack, wave by wave: `pulumi up` in the canary
 * stage, `npm run verify` of what that run moved, then promote, or roll the
 * wave back and stop. A stack without waves is one such cycle over the whole
 * stack (no `rolloutWave`), as the deploy workflow always ran it.
 *
 * On a failed verify only the failing wave rolls back; earlier waves stay
 * promoted. They passed their own verify, pinned to the same code, and a
 * promoted deployment no longer names the version it replaced (the program
 * reads only the latest deployment), so "roll back everything" could not be
 * done safely by the program anyway. Later waves were never moved.
 */
import { PROJECT } from "../../infra/config.ts";
import type { RolloutStage } from "../../infra/rollout-schema.ts";

/** What the ramp runs; injected so the order and the stop on failure are testable without Pulumi. */
export interface RampSteps {
  /** `pulumi up` with `rolloutStage` and, in a stack with waves, `rolloutWave`. Resolves false when it fails. */
  up(stage: RolloutStage, wave: number | undefined): Promise<boolean>;
  /** `npm run verify -- --stack <s> [--wave <n>]`. Resolves false when a check fails. */
  verify(wave: number | undefined): Promise<boolean>;
  /** Progress and the final verdict, one line each (`::error::` lines become GitHub annotations). */
  log(line: string): void;
}

export type RampResult =
  | { readonly ok: true; readonly waves: number }
  /** `failed`: the step that failed; `rolledBack`: whether the wave's rollback ran and succeeded. */
  | { readonly ok: false; readonly wave: number | undefined; readonly failed: "up" | "verify"; readonly rolledBack: boolean };

/** The waves to ramp, in order: `[undefined]` (one cycle, no `rolloutWave`) for a stack without waves. */
export function rampWaves(waveCount: number): (number | undefined)[] {
  return waveCount > 0 ? Array.from({ length: waveCount }, (_, k) => k) : [undefined];
}

export async function runRamp(stack: string, waveCount: number, steps: RampSteps): Promise<RampResult> {
  const waves = rampWaves(waveCount);
  for (const wave of waves) {
    const label = wave === undefined ? stack : `${stack} wave ${wave} of 0–${waveCount - 1}`;
    steps.log(`ramp ${label}: canary`);
    if (!(await steps.up("canary", wave))) {
      steps.log(
        `::error::pulumi up (canary) failed on ${label}: nothing was verified or promoted; its servers may be partly at their canary share. ` +
          `Fix the cause and run the deploy again, or roll the wave back: pulumi up --stack ${stack} -c ${PROJECT}:rolloutStage=rollback${wave === undefined ? "" : ` -c ${PROJECT}:rolloutWave=${wave}`}`,
      );
      return { ok: false, wave, failed: "up", rolledBack: false };
    }
    if (await steps.verify(wave)) {
      steps.log(`ramp ${label}: verified, promote`);
      if (!(await steps.up("promote", wave))) {
        steps.log(`::error::pulumi up (promote) failed on ${label} after a passing verify: its new versions still serve their canary share; run the deploy again`);
        return { ok: false, wave, failed: "up", rolledBack: false };
      }
      continue;
    }
    steps.log(`ramp ${label}: verify failed, rollback`);
    const rolledBack = await steps.up("rollback", wave);
    const earlier = wave !== undefined && wave > 0 ? ` ${waveRange(0, wave - 1)} stay${wave === 1 ? "s" : ""} promoted (${wave === 1 ? "it" : "each"} passed its own verify).` : "";
    const later = wave !== undefined && wave < waveCount - 1 ? ` ${waveRange(wave + 1, waveCount - 1)} ${wave + 1 === waveCount - 1 ? "was" : "were"} not deployed.` : "";
    steps.log(
      rolledBack
        ? `::error::npm run verify failed on ${label}: its new versions were rolled back.${earlier}${later}`
        : `::error::npm run verify failed on ${label} and the rollback failed too: its new versions still serve their canary share.${earlier}${later}`,
    );
    return { ok: false, wave, failed: "verify", rolledBack };
  }
  steps.log(`ramp ${stack}: ${waveCount > 0 ? `all ${waveCount} waves` : "every server"} promoted`);
  return { ok: true, waves: waves.length };
}

function waveRange(from: number, to: number): string {
  return from === to ? `Wave ${from}` : `Waves ${from}–${to}`;
}

/** Where the policy pack and its config are, as the workflow builds them. */
export interface PolicyOptions {
  readonly policyPack?: string;
  readonly policyPackConfig?: string;
}

/**
 * `pulumi up` arguments for one step. `--config` values are the run's
 * `rolloutStage`/`rolloutWave` (the CLI also writes them to the checkout's
 * `Pulumi.<stack>.yaml`, as pulumi/actions' `config-map` does).
 */
export function pulumiUpArgs(stack: string, stage: RolloutStage, wave: number | undefined, policy: PolicyOptions = {}): string[] {
  return [
    "up",
    "--yes",
    "--diff",
    "--stack",
    stack,
    ...(policy.policyPack ? ["--policy-pack", policy.policyPack] : []),
    ...(policy.policyPackConfig ? ["--policy-pack-config", policy.policyPackConfig] : []),
    "--config",
    `${PROJECT}:rolloutStage=${stage}`,
    ...(wave === undefined ? [] : ["--config", `${PROJECT}:rolloutWave=${wave}`]),
  ];
}

/** `npm run verify` arguments for one wave (or the whole stack). */
export function verifyArgs(stack: string, wave: number | undefined): string[] {
  return ["run", "verify", "--", "--stack", stack, ...(wave === undefined ? [] : ["--wave", String(wave)])];
}

/**
 * Each child gets only the credentials it uses: `pulumi up` never sees the
 * verify token, verify never sees the Cloudflare API token.
 */
export function childEnv(env: NodeJS.ProcessEnv, child: "pulumi" | "verify"): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy[child === "pulumi" ? "MCP_VERIFY_TOKEN" : "CLOUDFLARE_API_TOKEN"];
  return copy;
}
