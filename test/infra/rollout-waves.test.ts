/**
 * Rollout waves: placing `rollout:` servers in waves (names, patterns, the
 * last wave for the rest), the refusals, and what each server's resources
 * get per stage and wave under Pulumi's mocks: the wave that moves follows
 * the stage, every other wave holds exactly what it serves.
 */
import { describe, expect, it } from "vitest";
import { MCP_AGENT } from "../../worker/bindings.ts";
import type { BundleBuilder } from "../../infra/bundles.ts";
import { bundleWorker } from "../../infra/worker-bundle.ts";
import type { DeployedVersion, DeploymentReader } from "../../infra/cloudflare-api.ts";
import { parseStackConfig, type FleetConfig } from "../../infra/config.ts";
import { VERSION_INPUTS } from "../../infra/components/worker-rollout.ts";
import type { RegisteredResource } from "../../scripts/lib/mock-engine.ts";
import { renderFleet, type RenderOptions } from "../../scripts/lib/offline-plan.ts";
import { expectIssue, issuesOf, type Values } from "./support/config-issues.ts";
import { ACCOUNT_ID, input, ZONE_ID } from "./support/fixtures.ts";

const server = (name: string, rollout?: Record<string, unknown>) => ({
  name,
  audience: `https://${name}.example.com`,
  customDomain: `${name}.example.com`,
  ...(rollout ? { rollout } : {}),
});

/** canary-a ramps first (pattern), team-a-one second, other last (no wave given), plain has no rollout. */
function wavedValues(extra: Values = {}): Values {
  return {
    accountId: ACCOUNT_ID,
    defaults: { issuer: "https://auth.example.com", zoneId: ZONE_ID },
    servers: [server("canary-a", { share: 10 }), server("team-a-one", { share: 25 }), server("other", { share: 50 }), server("plain")],
    rolloutWaves: [["canary-*"], ["team-a-*"]],
    ...extra,
  };
}
const waved = (extra: Values = {}): FleetConfig => parseStackConfig(input(wavedValues(extra)));

/** Each script serves `<script>-stable` at 100% unless told otherwise. */
const deployments = (live: Record<string, readonly DeployedVersion[] | undefined> = {}): DeploymentReader => ({
  currentDeployment: async (_account, script) => (script in live ? live[script] : [{ versionId: `${script}-stable`, percentage: 100 }]),
});

/** The real bundle, built once; `sha256` stands for a code change (the program reads the code's manifest, the diff its hash). */
let built: ReturnType<BundleBuilder> | undefined;
const bundleOf =
  (sha256: string): BundleBuilder =>
  async (options) => ({ ...(await (built ??= bundleWorker(options))), sha256 });

const render = (config: FleetConfig, options: RenderOptions = {}) =>
  renderFleet(config, { currentMigrationTag: "v1", deployments: deployments(), build: bundleOf("a".repeat(64)), ...options });

function named(resources: readonly RegisteredResource[], name: string): RegisteredResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
}

/**
 * The inputs the engine diffs for an existing resource: each input named in
 * `ignoreChanges` (`*`: every input) takes its value from the state, the rest
 * from the program (pulumi.com/docs/iac/concepts/options/ignorechanges:
 * "uses the serialized value from the stack state"; the wildcard since
 * pulumi/pulumi#13005).
 */
function goalInputs(state: RegisteredResource, next: RegisteredResource): RegisteredResource["inputs"] {
  if (next.ignoreChanges.includes("*")) return state.inputs;
  const goal = { ...next.inputs };
  for (const key of next.ignoreChanges) {
    if (key in state.inputs) goal[key] = state.inputs[key]!;
    else delete goal[key];
  }
  return goal;
}

const HELD = ["*"];

describe("placing servers in waves", () => {
  it("puts pattern matches in their wave, the unplaced rollout servers in one last wave, and servers without rollout in none", () => {
    const config = waved();
    expect(config.servers.map((s) => [s.name, s.rollout?.wave ?? null])).toEqual([
      ["canary-a", 0],
      ["team-a-one", 1],
      ["other", 2],
      ["plain", null],
    ]);
    expect([config.rolloutWaveCount, config.rolloutWave]).toEqual([3, 0]);
  });

  it("lets an exact placement (rollout.wave or the server's name) win over a pattern", () => {
    const byName = parseStackConfig(input(wavedValues({ rolloutWaves: [["canary-*", "team-a-one"], ["team-*", "other"]] })));
    expect(byName.servers.map((s) => s.rollout?.wave ?? null)).toEqual([0, 0, 1, null]);
    const values = wavedValues();
    const servers = values["servers"] as Record<string, unknown>[];
    servers[1]!["rollout"] = { share: 25, wave: "0" };
    expectIssue(values, "rolloutWaves[1]", "places no server: every server it names or matches is placed in another wave");
    servers[2]!["rollout"] = { share: 50, wave: 1 };
    expect(parseStackConfig(input(values)).servers.map((s) => s.rollout?.wave ?? null)).toEqual([0, 0, 1, null]);
  });

  it("has no waves, and leaves rollout untouched, when neither rolloutWaves nor rollout.wave is set", () => {
    const config = waved({ rolloutWaves: undefined });
    expect(config.rolloutWaveCount).toBeUndefined();
    expect(config.servers[0]?.rollout).toEqual({ share: 10 });
  });

  it("reads the run's wave from the CLI's text", () => {
    expect(waved({ rolloutWave: "2" }).rolloutWave).toBe(2);
  });
});

describe("wave config refusals, each naming the key and the fix", () => {
  it("refuses a name that is no server, and points an earlier name at the current one", () => {
    expectIssue(wavedValues({ rolloutWaves: [["canary-b"]] }), "rolloutWaves[0][0]", 'names no server ("canary-b"): check the spelling, or use a pattern with *');
    const values = wavedValues({ rolloutWaves: [["old-other"]] });
    (values["servers"] as Record<string, unknown>[])[2]!["previousNames"] = ["old-other"];
    expectIssue(values, "rolloutWaves[0][0]", "is an earlier name of server other: write other");
  });

  it("refuses a server without rollout in a wave: it deploys at once in every run", () => {
    expectIssue(wavedValues({ rolloutWaves: [["plain"]] }), "rolloutWaves[0][0]", "add rollout: { share: N } to servers[3]");
  });

  it("refuses a pattern that matches nothing, or only servers without rollout", () => {
    expectIssue(wavedValues({ rolloutWaves: [["canary-*"], ["nobody-*"]] }), "rolloutWaves[1][0]", 'matches no server ("nobody-*")');
    expectIssue(wavedValues({ rolloutWaves: [["canary-*"], ["pla*"]] }), "rolloutWaves[1][0]", "matches only servers without rollout: (plain)");
  });

  it("refuses a server placed in two waves, by name or by rollout.wave", () => {
    expectIssue(wavedValues({ rolloutWaves: [["canary-a"], ["canary-a"]] }), "rolloutWaves[1][0]", "puts canary-a in wave 1, but rolloutWaves[0][0] puts it in wave 0");
    const values = wavedValues();
    (values["servers"] as Record<string, unknown>[])[0]!["rollout"] = { share: 10, wave: 1 };
    expectIssue({ ...values, rolloutWaves: [["canary-a"]] }, "rolloutWaves[0][0]", "puts canary-a in wave 0, but servers[0].rollout.wave puts it in wave 1");
  });

  it("refuses a server two patterns of different waves match, telling how to place it", () => {
    expectIssue(wavedValues({ rolloutWaves: [["canary-*"], ["*-a"]] }), "rolloutWaves[1][0]", "both match canary-a: a server ramps in one wave, so name it in the wave it belongs to");
  });

  it("refuses waves with gaps, a run's wave past the last, and a run's wave on a stack without waves", () => {
    const values = wavedValues({ rolloutWaves: undefined });
    (values["servers"] as Record<string, unknown>[])[0]!["rollout"] = { share: 10, wave: 2 };
    expectIssue(values, "servers[0].rollout.wave", "is 2, but no server is in wave 0, 1: number the waves from 0 without gaps");
    expectIssue(wavedValues({ rolloutWave: 3 }), "rolloutWave", "must be from 0 to 2: the stack has 3 waves");
    expectIssue(wavedValues({ rolloutWaves: undefined, rolloutWave: 1 }), "rolloutWave", "is set, but the stack has no waves");
  });

  it("refuses malformed waves with the shape expected", () => {
    expectIssue(wavedValues({ rolloutWaves: [[]] }), "rolloutWaves[0]", "must name at least one server or pattern");
    expectIssue(wavedValues({ rolloutWaves: [["Team_A"]] }), "rolloutWaves[0][0]", "must be a server name or a pattern like team-a-*");
    expectIssue(wavedValues({ rolloutWave: -1 }), "rolloutWave", "must be 0 or more");
    expect(issuesOf(wavedValues({ rolloutWaves: "canary-a" })).map((i) => i.path)).toEqual(["rolloutWaves"]);
  });
});

describe("a run of one wave", () => {
  const stableOf = (script: string) => [{ versionId: `${script}-stable`, percentage: 100 }];

  it("canary: the wave's servers split traffic, every other rollout server holds its script, version and deployment", async () => {
    const { resources, notes } = await render(waved({ rolloutWave: 1 }), {
      deployments: deployments({ "canary-a": [{ versionId: "canary-a-version-id", percentage: 100 }] }),
    });
    expect(named(resources, "team-a-one-deployment").inputs["versions"]).toEqual([
      { versionId: "team-a-one-version-id", percentage: 25 },
      { versionId: "team-a-one-stable", percentage: 75 },
    ]);
    expect(named(resources, "team-a-one-version").ignoreChanges).toEqual([]);
    expect(named(resources, "team-a-one-script").ignoreChanges).toEqual(VERSION_INPUTS);
    for (const held of ["canary-a", "other"]) {
      for (const suffix of ["-script", "-version", "-deployment"]) expect(named(resources, `${held}${suffix}`).ignoreChanges, `${held}${suffix}`).toEqual(HELD);
    }
    expect(named(resources, "canary-a-deployment").inputs["versions"]).toEqual([{ versionId: "canary-a-version-id", percentage: 100 }]);
    expect(named(resources, "other-deployment").inputs["versions"]).toEqual(stableOf("other"));
    expect(named(resources, "plain-script").ignoreChanges).toEqual([]);
    expect(notes).toEqual(
      expect.arrayContaining([
        "rollout wave 1 of waves 0–2 moves this run (rolloutStage canary): team-a-one.",
        "not moving this run: wave 0 (1 server: canary-a): every script, version and deployment stays as deployed (no change in this preview).",
        "not moving until their wave runs (pulumi up -c authgent-edge:rolloutWave=N): wave 2 (1 server: other): every script, version and deployment stays as deployed (no change in this preview).",
        "plain has no rollout: and deploys at once in every run, whatever the wave (the first wave's run carries their change).",
        "team-a-one: the new version takes 25% of requests, version team-a-one-stable keeps 75% until rolloutStage promote (or rollback)",
      ]),
    );
    expect(notes.filter((n) => n.startsWith("canary-a:") || n.startsWith("other:"))).toEqual([]);
  });

  it("promote and rollback move only the wave's servers", async () => {
    const midway = deployments({
      "team-a-one": [
        { versionId: "team-a-one-version-id", percentage: 25 },
        { versionId: "team-a-one-stable", percentage: 75 },
      ],
    });
    const promoted = await render(waved({ rolloutWave: 1, rolloutStage: "promote" }), { deployments: midway });
    expect(named(promoted.resources, "team-a-one-deployment").inputs["versions"]).toEqual([{ versionId: "team-a-one-version-id", percentage: 100 }]);
    const rolledBack = await render(waved({ rolloutWave: 1, rolloutStage: "rollback" }), { deployments: midway });
    expect(named(rolledBack.resources, "team-a-one-deployment").inputs["versions"]).toEqual(stableOf("team-a-one"));
    for (const run of [promoted, rolledBack]) {
      expect(named(run.resources, "canary-a-deployment").ignoreChanges).toEqual(HELD);
      expect(named(run.resources, "other-deployment").inputs["versions"]).toEqual(stableOf("other"));
    }
  });

  it("leaves every held resource exactly as the last run deployed it when the code changes, while the moving wave gets the new code", async () => {
    const before = await render(waved({ rolloutWave: 0, rolloutStage: "promote" }), { build: bundleOf("a".repeat(64)) });
    const after = await render(waved({ rolloutWave: 1 }), { build: bundleOf("b".repeat(64)) });
    for (const name of ["canary-a", "other"].flatMap((s) => [`${s}-script`, `${s}-version`, `${s}-deployment`])) {
      expect(goalInputs(named(before.resources, name), named(after.resources, name)), name).toEqual(named(before.resources, name).inputs);
    }
    const moving = (r: Rendered) => named(r.resources, "team-a-one-version").inputs["modules"];
    expect(goalInputs(named(before.resources, "team-a-one-version"), named(after.resources, "team-a-one-version"))["modules"]).toEqual(moving(after));
    expect(moving(after)).not.toEqual(moving(before));
  });

  it("deploys a new script at once whatever its wave (there is nothing to hold), and says why", async () => {
    const { resources, notes } = await render(waved({ rolloutWave: 0 }), { deployments: deployments({ other: undefined }) });
    expect(named(resources, "other-deployment").inputs["versions"]).toEqual([{ versionId: "other-version-id", percentage: 100 }]);
    expect(named(resources, "other-deployment").ignoreChanges).toEqual([]);
    expect(notes).toContain("other: the new version takes 100% at once because it is the script's first deployment (a new script has no version to keep until wave 2 runs)");
  });

  it("keeps a held server's pending Durable Object migration for its own wave", async () => {
    const { resources, notes } = await render(waved({ rolloutWave: 0 }), {
      ledger: [
        { tag: "v1", newSqliteClasses: [MCP_AGENT.className] },
        { tag: "v2", newSqliteClasses: ["Audit"] },
      ],
    });
    expect(named(resources, "canary-a-version").inputs["migrations"]).toEqual({ oldTag: "v1", newTag: "v2", steps: [{ newSqliteClasses: ["Audit"] }] });
    expect(named(resources, "other-version").inputs["migrations"]).toBeUndefined();
    expect(notes.find((n) => n.startsWith("Durable Object migrations"))).toContain("apply with this deploy to canary-a, plain.");
  });

  it("exports each rollout server's wave for npm run verify -- --wave", async () => {
    const { outputs } = await render(waved());
    const waves = await Promise.all(
      Object.entries(outputs.servers).map(
        ([name, s]) => new Promise<[string, number | null]>((resolve) => (s.wave ? s.wave.apply((w) => resolve([name, w])) : resolve([name, null]))),
      ),
    );
    expect(Object.fromEntries(waves)).toEqual({ "canary-a": 0, "team-a-one": 1, other: 2, plain: null });
  });
});

type Rendered = Awaited<ReturnType<typeof render>>;
