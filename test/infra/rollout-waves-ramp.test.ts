/**
 * A whole ramp of a new code version through three waves, offline: the real
 * program (under Pulumi's mocks) for every `pulumi up` the ramp makes, the
 * ramp's own order (`runRamp`), and a stand-in for the engine and Cloudflare
 * that applies what changed after `ignoreChanges`, the way the provider
 * would: a changed script is a full upload serving 100%, a changed version a
 * new upload, a changed deployment the split it names. It shows that a held
 * wave is never touched, and what a failed verify leaves behind.
 */
import { describe, expect, it } from "vitest";
import type { BundleBuilder } from "../../infra/bundles.ts";
import { bundleWorker } from "../../infra/worker-bundle.ts";
import type { DeployedVersion } from "../../infra/cloudflare-api.ts";
import { parseStackConfig, type FleetConfig } from "../../infra/config.ts";
import type { RolloutStage } from "../../infra/rollout-schema.ts";
import type { RegisteredResource } from "../../scripts/lib/mock-engine.ts";
import { renderFleet } from "../../scripts/lib/offline-plan.ts";
import { runRamp } from "../../scripts/lib/ramp.ts";
import { ACCOUNT_ID, input, ZONE_ID } from "./support/fixtures.ts";

const server = (name: string, rollout?: Record<string, unknown>) => ({ name, audience: `https://${name}.example.com`, customDomain: `${name}.example.com`, ...(rollout ? { rollout } : {}) });
const SERVERS = [server("canary-a", { share: 10 }), server("team-a-one", { share: 25 }), server("team-a-two", { share: 25 }), server("other", { share: 50 }), server("plain")];
const WAVE: Record<string, number> = { "canary-a": 0, "team-a-one": 1, "team-a-two": 1, other: 2 };

const config = (stage: RolloutStage, wave: number | undefined): FleetConfig =>
  parseStackConfig(
    input({
      accountId: ACCOUNT_ID,
      defaults: { issuer: "https://auth.example.com", zoneId: ZONE_ID },
      servers: SERVERS,
      rolloutWaves: [["canary-*"], ["team-a-*"]],
      rolloutStage: stage,
      ...(wave === undefined ? {} : { rolloutWave: wave }),
    }),
  );

/** The real bundle, built once; the code label stands for a change of its hash (what the diff sees). */
let built: ReturnType<BundleBuilder> | undefined;
const bundleOf =
  (code: string): BundleBuilder =>
  async (options) => ({ ...(await (built ??= bundleWorker(options))), sha256: code.repeat(64).slice(0, 64) });

/** The engine's goal inputs: what `ignoreChanges` names comes from the state (`*`: everything). */
function goal(state: RegisteredResource | undefined, next: RegisteredResource): RegisteredResource["inputs"] {
  if (!state) return next.inputs;
  if (next.ignoreChanges.includes("*")) return state.inputs;
  const out = { ...next.inputs };
  for (const key of next.ignoreChanges) {
    if (key in state.inputs) out[key] = state.inputs[key]!;
    else delete out[key];
  }
  return out;
}

/** The stack's state and Cloudflare's live deployments, changed only by what an `up` applies. */
class Account {
  readonly state = new Map<string, RegisteredResource>();
  readonly live = new Map<string, DeployedVersion[]>();
  /** Per run, the resources whose goal differed from the state (what the preview shows as changed). */
  readonly changed: string[][] = [];
  private code = "";

  async up(code: string, stage: RolloutStage, wave: number | undefined): Promise<boolean> {
    this.code = code;
    const { resources } = await renderFleet(config(stage, wave), {
      currentMigrationTag: "v1",
      deployments: { currentDeployment: async (_account, script) => this.live.get(script) },
      build: bundleOf(code),
    });
    const changed: string[] = [];
    for (const name of SERVERS.map((s) => s.name)) {
      for (const suffix of ["-script", "-version", "-deployment"]) {
        const next = resources.find((r) => r.name === `${name}${suffix}`);
        if (next && this.apply(name, suffix, next)) changed.push(`${name}${suffix}`);
      }
    }
    this.changed.push(changed);
    return true;
  }

  /**
   * Applies one resource like the provider would; true when it changed. The
   * mocks name every version `<script>-version-id`; here a version is
   * `<script>@<code>`, so versions of different code stay apart, as their
   * real ids do.
   */
  private apply(script: string, suffix: string, given: RegisteredResource): boolean {
    const next = suffix === "-deployment" ? this.withVersionIds(script, given) : given;
    const state = this.state.get(next.name);
    const inputs = goal(state, next);
    if (state && JSON.stringify(state.inputs) === JSON.stringify(inputs)) return false;
    // A script create or update is a full upload, which serves it at 100%.
    if (suffix === "-script") this.live.set(script, [{ versionId: `${script}@${this.code}-upload`, percentage: 100 }]);
    if (suffix === "-version") this.versionCode.set(script, this.code);
    if (suffix === "-deployment") this.live.set(script, (inputs["versions"] as { versionId: string; percentage: number }[]).map((v) => ({ ...v })));
    this.state.set(next.name, { ...next, inputs });
    return true;
  }

  private readonly versionCode = new Map<string, string>();

  private withVersionIds(script: string, deployment: RegisteredResource): RegisteredResource {
    const versions = (deployment.inputs["versions"] as { versionId: string; percentage: number }[]).map((v) =>
      v.versionId === `${script}-version-id` ? { ...v, versionId: `${script}@${this.versionCode.get(script)}` } : v,
    );
    return { ...deployment, inputs: { ...deployment.inputs, versions } };
  }
}

/** A deployed fleet on code A: every server created by a first ramp. */
async function deployedOnA(): Promise<Account> {
  const account = new Account();
  for (const wave of [0, 1, 2]) {
    await account.up("a", "canary", wave);
    await account.up("a", "promote", wave);
  }
  return account;
}

describe("ramping code B through three waves", () => {
  it("starts from every rollout server serving its code-A version at 100%", async () => {
    const account = await deployedOnA();
    expect(Object.fromEntries(account.live)).toMatchObject({
      "canary-a": [{ versionId: "canary-a@a", percentage: 100 }],
      other: [{ versionId: "other@a", percentage: 100 }],
      plain: [{ versionId: "plain@a-upload", percentage: 100 }],
    });
  });

  it("moves one wave per run, never touches a held wave, and ends with every server on B", async () => {
    const account = await deployedOnA();
    account.changed.length = 0;
    const observed: string[] = [];
    const result = await runRamp("sim", 3, {
      up: (stage, wave) => account.up("b", stage, wave),
      verify: async (wave) => {
        // What verify pins to must be serving; the held waves still serve code A.
        for (const [name, w] of Object.entries(WAVE)) {
          const serving = account.live.get(name)?.map((v) => `${v.versionId}:${v.percentage}`).join(",");
          observed.push(`wave ${wave} verify: ${name} ${serving}`);
          if (w === wave && !account.live.get(name)?.some((v) => v.versionId === `${name}@b`)) return false;
        }
        return true;
      },
      log: () => undefined,
    });
    expect(result).toEqual({ ok: true, waves: 3 });
    // Per run, only the moving wave's resources change (plus plain, which deploys at once in the first run).
    expect(account.changed).toEqual([
      ["canary-a-version", "canary-a-deployment", "plain-script"],
      ["canary-a-deployment"],
      ["team-a-one-version", "team-a-one-deployment", "team-a-two-version", "team-a-two-deployment"],
      ["team-a-one-deployment", "team-a-two-deployment"],
      ["other-version", "other-deployment"],
      ["other-deployment"],
    ]);
    expect(observed.filter((line) => line.startsWith("wave 1 verify"))).toEqual([
      "wave 1 verify: canary-a canary-a@b:100",
      "wave 1 verify: team-a-one team-a-one@b:25,team-a-one@a:75",
      "wave 1 verify: team-a-two team-a-two@b:25,team-a-two@a:75",
      "wave 1 verify: other other@a:100",
    ]);
    expect(account.live.get("other")).toEqual([{ versionId: "other@b", percentage: 100 }]);
  });

  it("rolls back only the wave whose verify failed: earlier waves stay on B, later ones on A", async () => {
    const account = await deployedOnA();
    const result = await runRamp("sim", 3, { up: (stage, wave) => account.up("b", stage, wave), verify: async (wave) => wave !== 1, log: () => undefined });
    expect(result).toEqual({ ok: false, wave: 1, failed: "verify", rolledBack: true });
    expect(Object.fromEntries(account.live)).toEqual({
      "canary-a": [{ versionId: "canary-a@b", percentage: 100 }],
      "team-a-one": [{ versionId: "team-a-one@a", percentage: 100 }],
      "team-a-two": [{ versionId: "team-a-two@a", percentage: 100 }],
      other: [{ versionId: "other@a", percentage: 100 }],
      plain: [{ versionId: "plain@b-upload", percentage: 100 }],
    });
    // `other` never even uploaded code B: its version keeps code A's inputs.
    expect(account.state.get("other-version")?.inputs["modules"]).toEqual([expect.objectContaining({ contentSha256: "a".repeat(64) })]);
  });
});
