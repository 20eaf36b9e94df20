/**
 * Gradual rollouts: `rollout:` config, the plan per stage, the resources
 * (WorkerVersion + WorkersDeployment, the script's code inputs ignored) and
 * their deployment against the fake Cloudflare API's deployments.
 */
import { describe, expect, it } from "vitest";
import { MCP_AGENT } from "../../worker/bindings.ts";
import type { DeployedVersion, DeploymentReader } from "../../infra/cloudflare-api.ts";
import { parseStackConfig, type ServerConfig } from "../../infra/config.ts";
import { deploymentVersions, planRollout, type RolloutInput } from "../../infra/rollout.ts";
import { loadStackFileConfig } from "../../infra/config-source.ts";
import { renderFleet } from "../../scripts/lib/offline-plan.ts";
import { expectIssue, withServer, type Values } from "./support/config-issues.ts";
import { baseValues, input } from "./support/fixtures.ts";

const withRollout = (rollout: unknown, stage?: unknown): Values => {
  const values = withServer((server) => void (server["rollout"] = rollout));
  if (stage !== undefined) values["rolloutStage"] = stage;
  return values;
};
const server = (): ServerConfig => {
  const [first] = parseStackConfig(input(withRollout({ share: 10 }))).servers;
  if (!first) throw new Error("no server");
  return first;
};
const STABLE: DeployedVersion = { versionId: "stable-v", percentage: 100 };
const plan = (overrides: Partial<RolloutInput>) => planRollout({ server: server(), at: "servers[0]", stage: "canary", deployed: [STABLE], migrationTo: undefined, ...overrides });
const deploymentsOf = (deployed: readonly DeployedVersion[] | undefined): DeploymentReader => ({ currentDeployment: async () => deployed });

describe("rollout config", () => {
  it.each([0, 101, -5])("refuses share %s, naming the key and the range", (share) => {
    expectIssue(withRollout({ share }), "servers[0].rollout.share", "from 1 to 100");
  });

  it("refuses a share that is not a whole percentage", () => {
    expectIssue(withRollout({ share: 12.5 }), "servers[0].rollout.share", "must be a whole percentage from 1 to 100");
    expectIssue(withRollout({ share: "ten" }), "servers[0].rollout.share", "must be a whole percentage from 1 to 100");
  });

  it("accepts a share set from the CLI as text, and refuses an unknown stage", () => {
    expect(parseStackConfig(input(withRollout({ share: "25" }))).servers[0]?.rollout).toEqual({ share: 25 });
    expectIssue(withRollout({ share: 10 }, "sideways"), "rolloutStage", "must be one of canary, promote, rollback");
  });
});

describe("the rollout plan", () => {
  it("gives the new version the share and the stable version the rest in the canary stage", () => {
    const result = plan({});
    expect(result.ok && deploymentVersions(result.plan, "new-v")).toEqual([
      { versionId: "new-v", percentage: 10 },
      { versionId: "stable-v", percentage: 90 },
    ]);
  });

  it("keeps a promoted version at 100% when the canary stage runs again", () => {
    const result = plan({ deployed: [{ versionId: "new-v", percentage: 100 }] });
    expect(result.ok && deploymentVersions(result.plan, "new-v")).toEqual([{ versionId: "new-v", percentage: 100 }]);
  });

  it("promotes to 100%, and rolls back to the version that served the rest", () => {
    const promoted = plan({ stage: "promote", deployed: [{ versionId: "new-v", percentage: 60 }, { versionId: "stable-v", percentage: 40 }] });
    expect(promoted.ok && deploymentVersions(promoted.plan, "new-v")).toEqual([{ versionId: "new-v", percentage: 100 }]);
    const rolledBack = plan({ stage: "rollback", deployed: [{ versionId: "new-v", percentage: 60 }, { versionId: "stable-v", percentage: 40 }] });
    expect(rolledBack.ok && deploymentVersions(rolledBack.plan, "new-v")).toEqual([{ versionId: "stable-v", percentage: 100 }]);
  });

  it("deploys a Durable Object migration at once and says why", () => {
    const result = plan({ migrationTo: "v2" });
    expect(result).toEqual({ ok: true, plan: { kind: "at-once", reason: "it brings Durable Object migrations up to tag v2, which cannot be deployed gradually" } });
  });

  it("refuses a migration in the middle of a rollout, naming the key and the fix", () => {
    const result = plan({ migrationTo: "v2", deployed: [{ versionId: "new-v", percentage: 10 }, STABLE] });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issue.path).toBe("servers[0].rollout");
    expect(!result.ok && result.issue.message).toContain("Finish the rollout first (`pulumi up -c authgent-edge:rolloutStage=promote`, or `=rollback`)");
  });

  it("rolls an at-once canary back to the version of the deployment before it", () => {
    const result = plan({ stage: "rollback", deployed: [{ versionId: "new-v", percentage: 100 }], previous: [STABLE] });
    expect(result.ok && deploymentVersions(result.plan, "new-v")).toEqual([{ versionId: "stable-v", percentage: 100 }]);
    const alone = plan({ stage: "rollback", deployed: [{ versionId: "new-v", percentage: 100 }] });
    expect(() => alone.ok && deploymentVersions(alone.plan, "new-v")).toThrow("no deployed version other than new-v to return to, in the latest deployment or the one before");
  });

  it("deploys a new script at once, and refuses a rollback with nothing to return to", () => {
    expect(plan({ deployed: undefined })).toEqual({ ok: true, plan: { kind: "at-once", reason: "it is the script's first deployment" } });
    const result = plan({ stage: "rollback", deployed: undefined });
    expect(!result.ok && `${result.issue.path} ${result.issue.message}`).toContain("rolloutStage is rollback, but alpha has no deployed version");
  });
});

describe("a rollout server's resources", () => {
  it("uploads a version with the script's code and bindings, deploys it by percentage, and stops the script re-uploading", async () => {
    const { resources, outputs, notes } = await renderFleet(parseStackConfig(input(withRollout({ share: 10 }))), {
      currentMigrationTag: "v1",
      deployments: deploymentsOf([STABLE]),
    });
    const script = resources.find((r) => r.name === "alpha-script");
    const version = resources.find((r) => r.name === "alpha-version");
    const deployment = resources.find((r) => r.name === "alpha-deployment");
    expect(script?.ignoreChanges).toEqual(expect.arrayContaining(["contentFile", "contentSha256", "bindings", "migrations"]));
    expect(version?.type).toBe("cloudflare:index/workerVersion:WorkerVersion");
    expect(version?.inputs).toMatchObject({
      workerId: "alpha",
      mainModule: "index.js",
      modules: [{ name: "index.js", contentType: "application/javascript+module", contentFile: "../dist/worker/index.js", contentSha256: script?.inputs["contentSha256"] }],
      bindings: script?.inputs["bindings"],
    });
    expect(version?.inputs["migrations"]).toBeUndefined();
    expect(deployment?.inputs).toMatchObject({
      scriptName: "alpha",
      strategy: "percentage",
      versions: [
        { versionId: "alpha-version-id", percentage: 10 },
        { versionId: "stable-v", percentage: 90 },
      ],
    });
    expect(notes).toContain("alpha: the new version takes 10% of requests, version stable-v keeps 90% until rolloutStage promote (or rollback)");
    expect((outputs.servers["alpha"] as { versionId?: unknown }).versionId).toBeDefined();
  });

  it("sends an existing script's pending migration with the version, deployed at 100%", async () => {
    const { resources, notes } = await renderFleet(parseStackConfig(input(withRollout({ share: 10 }))), {
      ledger: [
        { tag: "v1", newSqliteClasses: [MCP_AGENT.className] },
        { tag: "v2", newSqliteClasses: ["Audit"] },
      ],
      currentMigrationTag: "v1",
      deployments: deploymentsOf([STABLE]),
    });
    expect(resources.find((r) => r.name === "alpha-version")?.inputs["migrations"]).toEqual({ oldTag: "v1", newTag: "v2", steps: [{ newSqliteClasses: ["Audit"] }] });
    expect(resources.find((r) => r.name === "alpha-script")?.inputs["migrations"]).toBeUndefined();
    expect(resources.find((r) => r.name === "alpha-deployment")?.inputs["versions"]).toEqual([{ versionId: "alpha-version-id", percentage: 100 }]);
    expect(notes).toContain("alpha: the new version takes 100% at once because it brings Durable Object migrations up to tag v2, which cannot be deployed gradually");
  });

  it("reads the deployment before the latest only for a rollback whose latest deployment is one version", async () => {
    const reads: string[] = [];
    const reader = (latest: readonly DeployedVersion[]): DeploymentReader => ({
      currentDeployment: async () => latest,
      previousDeployment: async (_account, script) => (reads.push(script), [STABLE]),
    });
    const rollback = parseStackConfig(input(withRollout({ share: 100 }, "rollback")));
    const { resources } = await renderFleet(rollback, { currentMigrationTag: "v1", deployments: reader([{ versionId: "alpha-version-id", percentage: 100 }]) });
    expect(resources.find((r) => r.name === "alpha-deployment")?.inputs["versions"]).toEqual([{ versionId: "stable-v", percentage: 100 }]);
    expect(reads).toEqual(["alpha"]);
    await renderFleet(rollback, { currentMigrationTag: "v1", deployments: reader([{ versionId: "alpha-version-id", percentage: 10 }, { versionId: "stable-v", percentage: 90 }]) });
    await renderFleet(parseStackConfig(input(withRollout({ share: 100 }, "canary"))), { currentMigrationTag: "v1", deployments: reader([STABLE]) });
    expect(reads).toEqual(["alpha"]);
  });

  it("leaves servers without rollout on the script upload", async () => {
    const { resources } = await renderFleet(parseStackConfig(input(baseValues())));
    expect(resources.filter((r) => r.name.endsWith("-version") || r.name.endsWith("-deployment"))).toEqual([]);
    expect(resources.find((r) => r.name === "alpha-script")?.ignoreChanges).toEqual([]);
  });
});

describe("Pulumi.example.yaml", () => {
  it("is a valid stack whose rollout server, a wave-0 canary, deploys by percentage and whose renamed server keeps its script", async () => {
    const config = await loadStackFileConfig("example");
    // Other examples in the file (bindings, sources) have no rollout and are not this test's subject.
    expect(config.servers.map((s) => [s.name, s.scriptName, s.rollout ?? null])).toEqual(
      expect.arrayContaining([
        ["tickets-mcp", "tickets-mcp", null],
        ["billing-mcp", "billing-mcp", { share: 10, wave: 0 }],
        ["docs-search-mcp", "search-mcp", null],
      ]),
    );
    expect(config.servers.filter((s) => s.rollout).map((s) => s.name)).toEqual(["billing-mcp"]);
    expect([config.rolloutWaveCount, config.rolloutWave]).toEqual([1, 0]);
    const { resources } = await renderFleet(config, { currentMigrationTag: "v1", deployments: deploymentsOf([STABLE]) });
    expect(resources.find((r) => r.name === "billing-mcp-deployment")?.inputs["versions"]).toEqual([
      { versionId: "billing-mcp-version-id", percentage: 10 },
      { versionId: "stable-v", percentage: 90 },
    ]);
  });
});
