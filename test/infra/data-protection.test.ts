/**
 * Durable Object data is never deleted silently: every Worker script that
 * binds a Durable Object class reaches the engine with `protect: true` (the
 * option as the resource monitor receives it, recorded by the mock engine),
 * and only a server listed in `retiredServers` with `deleteData: true` gets
 * `protect: false`. The engine itself cannot run here; what it does with the
 * flag is pulumi.com/docs/iac/concepts/resources/options/protect.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { MCP_AGENT } from "../../worker/bindings.ts";
import { MCP_FLEET_TYPE, MCP_WORKER_TYPE, WORKERS_SCRIPT_TYPE } from "../../infra/components/type-tokens.ts";
import { parseStackConfig, PROJECT } from "../../infra/config.ts";
import { FLEET_NAME } from "../../infra/program.ts";
import { scriptUrn } from "../../infra/server-retirement.ts";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { startMockEngine } from "../../scripts/lib/mock-engine.ts";
import { renderFleet, type Plan } from "../../scripts/lib/offline-plan.ts";
import { expectIssue, issuesOf, type Values } from "./support/config-issues.ts";
import { baseValues, input } from "./support/fixtures.ts";

/** alpha (plain) and beta (`rollout:`, so a WorkerVersion and a WorkersDeployment too). */
function twoServers(retiredServers?: unknown): Values {
  const values = baseValues();
  const [alpha] = values["servers"] as Record<string, unknown>[];
  values["servers"] = [
    { ...alpha, routes: ["alpha.example.com/mcp*"] },
    { name: "beta", audience: "https://beta.example.com", customDomain: "beta.example.com", rollout: { share: 10 } },
  ];
  if (retiredServers !== undefined) values["retiredServers"] = retiredServers;
  return values;
}

const protectByName = async (values: Values) => {
  const { resources, notes } = await renderFleet(parseStackConfig(input(values)));
  return { protect: Object.fromEntries(resources.filter((r) => r.custom).map((r) => [r.name, r.protect])), notes };
};

describe("a Worker script holding Durable Object data", () => {
  it("is protected by default; its rollout, routes, domain and subdomain are not", async () => {
    const { protect, notes } = await protectByName(twoServers());
    expect(protect).toEqual({
      "alpha-script": true,
      "alpha-subdomain": undefined,
      "alpha-domain": undefined,
      "alpha-route-alpha-example-com-mcpstar": undefined,
      "beta-script": true,
      "beta-subdomain": undefined,
      "beta-version": undefined,
      "beta-deployment": undefined,
    });
    expect(notes.join("\n")).not.toContain("marked for deletion");
  });

  it("loses protection only when its server is retired with deleteData: true, and the preview says what goes", async () => {
    const { protect, notes } = await protectByName(twoServers([{ name: "beta", deleteData: true }]));
    expect(protect["beta-script"]).toBe(false);
    expect(protect["alpha-script"]).toBe(true);
    expect(notes).toContain(
      `server beta is marked for deletion (retiredServers): its Worker script beta is no longer protected, so removing the server from servers: ` +
        `(or a change that replaces the script) deletes the script and its Durable Object namespace ${MCP_AGENT.className}, with every user's data in it. ` +
        "To keep the data, remove beta from retiredServers (the next `pulumi up` protects the script again), or export the data before removing the server.",
    );
  });

  it("stays protected for a renamed server: retirement names the server, not its script", async () => {
    const values = twoServers([{ name: "gamma", deleteData: true }]);
    (values["servers"] as Record<string, unknown>[])[1] = { name: "gamma", previousNames: ["beta"], audience: "https://beta.example.com", customDomain: "beta.example.com" };
    const { protect } = await protectByName(values);
    expect(protect).toMatchObject({ "alpha-script": true, "gamma-script": false });
  });
});

describe("retiredServers config", () => {
  it("refuses an entry without deleteData: true, naming the key and how to keep the data", () => {
    expectIssue(twoServers([{ name: "beta" }]), "retiredServers[0].deleteData", "must be true");
    expectIssue(twoServers([{ name: "beta", deleteData: false }]), "retiredServers[0].deleteData", "must be true: it acknowledges that deleting the server's Worker script deletes its Durable Object data");
    expectIssue(twoServers([{ name: "beta", deleteData: true, force: true }]), "retiredServers[0].force", "is not a known setting");
    expectIssue(twoServers(["beta"]), "retiredServers[0]", "must be { name, deleteData: true }");
    expectIssue(twoServers({ beta: true }), "retiredServers", "must be a list of { name, deleteData: true }");
  });

  it("refuses a name that is not in servers:, with the two-step retirement and the exact unprotect command", () => {
    const error = expectIssue(twoServers([{ name: "delta", deleteData: true }]), "retiredServers[0].name", '"delta" is not in servers:');
    expect(error.message).toContain(
      "If it is already gone from servers:, remove this entry and run `pulumi state unprotect 'urn:pulumi:test::authgent-edge::authgent-edge:index:McpFleet$authgent-edge:index:McpWorker$cloudflare:index/workersScript:WorkersScript::delta-script'` before `pulumi up`",
    );
  });

  it("refuses an earlier name and a repeated entry", () => {
    const values = twoServers([
      { name: "beta", deleteData: true },
      { name: "beta", deleteData: true },
      { name: "alpha-old", deleteData: true },
    ]);
    (values["servers"] as Record<string, unknown>[])[0]!["previousNames"] = ["alpha-old"];
    const lines = issuesOf(values).map((issue) => `${issue.path} ${issue.message}`);
    expect(lines).toEqual([
      "retiredServers[1].name repeats retiredServers[0]: list each server once",
      'retiredServers[2].name "alpha-old" is an earlier name of servers[0]: use its current name "alpha"',
    ]);
  });

  it("builds the URN the engine gives the script (parent types chained, as pulumi.createUrn does)", async () => {
    await startMockEngine({ project: PROJECT, stack: "staging" });
    const fleet = pulumi.createUrn(FLEET_NAME, MCP_FLEET_TYPE, undefined, PROJECT, "staging");
    const worker = pulumi.createUrn("beta", MCP_WORKER_TYPE, fleet, PROJECT, "staging");
    const script = pulumi.createUrn("beta-script", WORKERS_SCRIPT_TYPE, worker, PROJECT, "staging");
    const urn = await new Promise<string>((done) => script.apply(done));
    expect(scriptUrn("staging", PROJECT, "beta")).toBe(urn);
  });
});

describe("npm run plan -- --stack staging --json", () => {
  it("shows protect: true on the stack's Worker script", async () => {
    const stdout = await new Promise<string>((done, fail) => {
      const child = spawn(resolve(REPO_ROOT, "node_modules/.bin/tsx"), ["scripts/plan.ts", "--stack", "staging", "--json"], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.on("error", fail);
      child.on("close", (code) => (code === 0 ? done(out) : fail(new Error(`npm run plan exited ${String(code)}`))));
    });
    const plan = JSON.parse(stdout) as Plan;
    const scripts = plan.resources.filter((r) => r.type === WORKERS_SCRIPT_TYPE);
    expect(scripts.map((r) => [r.name, r.protect])).toEqual([["my-mcp-server-staging-script", true]]);
    expect(plan.resources.filter((r) => r.protect !== undefined)).toHaveLength(1);
  });
});
