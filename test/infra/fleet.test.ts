/** A 25-server fleet: structure, exact per-server inputs, shared bundle, secrecy, and diffs that stay local. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { MCP_AGENT, RATE_LIMITER } from "../../worker/bindings.ts";
import { defaultRateLimitNamespaceId, parseStackConfig } from "../../infra/config.ts";
import { MCP_FLEET_TYPE } from "../../infra/components/mcp-fleet.ts";
import { MCP_WORKER_TYPE, routeSlug } from "../../infra/components/mcp-worker.ts";
import { bundleWorker, REPO_ROOT } from "../../infra/worker-bundle.ts";
import { renderFleet, type PlanResource } from "../../scripts/lib/offline-plan.ts";
import type { BundleBuilder } from "../../infra/bundles.ts";
import { fixedMigrationTag } from "../../infra/cloudflare-api.ts";
import { deployStack } from "../../infra/program.ts";
import { startMockEngine } from "../../scripts/lib/mock-engine.ts";
import { ACCOUNT_ID, fleet, fleetValues, input, ZONE_ID } from "./support/fixtures.ts";

const SCRIPT = "cloudflare:index/workersScript:WorkersScript";
const DOMAIN = "cloudflare:index/workersCustomDomain:WorkersCustomDomain";
const ROUTE = "cloudflare:index/workersRoute:WorkersRoute";
const SUBDOMAIN = "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain";
const COUNT = 25;
/** Relative to the repository root, as a stack's `source:` setting. */
const SECOND_SOURCE = "test/worker/fixtures/second-server.ts";

function countingBuilder(): { build: BundleBuilder; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    build: async (options) => {
      calls.push(options.entry);
      return bundleWorker(options);
    },
  };
}

function byName(resources: readonly PlanResource[], name: string): PlanResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
}

describe("a 25-server fleet", () => {
  it("creates one component per server under the fleet, each owning its script, domain, routes and subdomain", async () => {
    const { plan } = await renderFleet(fleet(COUNT));
    const count = (type: string) => plan.resources.filter((r) => r.type === type).length;
    const routed = Math.ceil(COUNT / 3);
    expect(count(MCP_FLEET_TYPE)).toBe(1);
    expect(count(MCP_WORKER_TYPE)).toBe(COUNT);
    expect(count(SCRIPT)).toBe(COUNT);
    expect(count(DOMAIN)).toBe(COUNT);
    expect(count(SUBDOMAIN)).toBe(COUNT);
    expect(count(ROUTE)).toBe(routed);
    expect(plan.resources).toHaveLength(1 + COUNT * 4 + routed);
    for (const resource of plan.resources) {
      if (resource.type === MCP_FLEET_TYPE) expect(resource.parent).toBeNull();
      else if (resource.type === MCP_WORKER_TYPE) expect(resource.parent).toBe("mcp-fleet");
      else expect(resource.name.startsWith(`${resource.parent}-`)).toBe(true);
    }
  });

  it("builds the worker once and shares the bundle across every script", async () => {
    const builder = countingBuilder();
    const { plan } = await renderFleet(fleet(COUNT), { build: builder.build });
    expect(builder.calls).toHaveLength(1);
    const hashes = new Set(plan.resources.filter((r) => r.type === SCRIPT).map((r) => r.inputs["contentSha256"]));
    expect(hashes.size).toBe(1);
  });

  it("builds each distinct worker source once and gives each server its own source's bundle", async () => {
    const values = fleetValues(4);
    const servers = values["servers"] as Record<string, unknown>[];
    for (const i of [1, 3]) servers[i]!["source"] = SECOND_SOURCE;
    const builder = countingBuilder();
    const { plan } = await renderFleet(parseStackConfig(input(values, [], "fleet")), { build: builder.build });
    expect(builder.calls.map((entry) => relative(REPO_ROOT, entry)).sort()).toEqual([SECOND_SOURCE, "worker/index.ts"]);
    const upload = (name: string) => {
      const { contentFile, contentSha256 } = byName(plan.resources, `${name}-script`).inputs;
      return { contentFile, contentSha256 };
    };
    expect(upload("mcp-00")).toEqual(upload("mcp-02"));
    expect(upload("mcp-01")).toEqual(upload("mcp-03"));
    expect(upload("mcp-01").contentSha256).not.toBe(upload("mcp-00").contentSha256);
    expect(upload("mcp-00").contentFile).toBe("../dist/worker/index.js"); // relative to infra/, where the provider runs
    expect(upload("mcp-01").contentFile).toBe("../dist/workers/test-worker-fixtures-second-server/index.js");
  });

  it("bundles byte for byte the same on every build, so the hash moves only when the code does", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bundle-"));
    try {
      const [a, b] = [await bundleWorker({ outfile: join(dir, "a.js") }), await bundleWorker({ outfile: join(dir, "b.js") })];
      expect(b.sha256).toBe(a.sha256);
      expect(await readFile(b.path)).toEqual(await readFile(a.path));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives each server its own audience, namespace, overrides, routes and secrets", async () => {
    const { plan } = await renderFleet(fleet(COUNT));
    const script = byName(plan.resources, "mcp-07-script");
    expect(script.inputs["bindings"]).toEqual([
      { type: "plain_text", name: "AUTHGENT_ISSUER", text: "https://auth.example.com" },
      { type: "plain_text", name: "MCP_AUDIENCE", text: "https://mcp-07.example.com" },
      { type: "plain_text", name: "JWKS_CACHE_TTL", text: "600" },
      { type: "plain_text", name: "RATE_LIMIT_PER_MINUTE", text: "600" },
      { type: "plain_text", name: "JWT_ALGORITHMS", text: "ES256" },
      { type: "plain_text", name: "CLOCK_TOLERANCE", text: "30" },
      { type: "plain_text", name: "MAX_TOKEN_LIFETIME", text: "86400" },
      { type: "plain_text", name: "RESOURCE_NAME", text: "Authgent MCP server" },
      { type: "plain_text", name: "SHARED_SUBJECTS", text: "auto_approved_user,consent_user" },
      { type: "plain_text", name: "REQUIRE_DPOP", text: "false" },
      { type: "plain_text", name: "DPOP_ALGORITHMS", text: "ES256" },
      { type: "plain_text", name: "DPOP_PROOF_MAX_AGE", text: "60" },
      { type: "plain_text", name: "DPOP_NONCE", text: "false" },
      { type: "durable_object_namespace", name: MCP_AGENT.binding, className: MCP_AGENT.className },
      { type: "ratelimit", name: RATE_LIMITER.binding, namespaceId: defaultRateLimitNamespaceId("mcp-07"), simple: { limit: 600, period: 60 } },
    ]);
    const withSecret = byName(plan.resources, "mcp-05-script").inputs["bindings"] as Record<string, unknown>[];
    expect(withSecret.at(-1)).toEqual({ type: "secret_text", name: "UPSTREAM_API_KEY", text: "[secret]" });
    expect(byName(plan.resources, `mcp-03-route-${routeSlug("mcp-03.example.com/legacy/*")}`).inputs).toEqual({
      zoneId: ZONE_ID,
      pattern: "mcp-03.example.com/legacy/*",
      script: "mcp-03",
    });
    expect(byName(plan.resources, "mcp-24-domain").inputs).toEqual({ accountId: ACCOUNT_ID, hostname: "mcp-24.example.com", service: "mcp-24", zoneId: ZONE_ID });
    const namespaces = new Set(plan.resources.filter((r) => r.type === SCRIPT).map((r) => JSON.stringify((r.inputs["bindings"] as Record<string, unknown>[]).find((b) => b["type"] === "ratelimit"))));
    expect(namespaces.size).toBe(COUNT);
  });

  it("sends every secret as a Pulumi secret and nothing else", async () => {
    const { resources } = await renderFleet(fleet(COUNT));
    for (const resource of resources) {
      const expected =
        resource.type === SCRIPT && Number(resource.name.slice(4, 6)) % 5 === 0 ? [`bindings[${(resource.inputs["bindings"] as unknown[]).length - 1}].text`] : [];
      expect(resource.secretPaths, resource.name).toEqual(expected);
    }
    const everything = JSON.stringify(resources);
    for (let i = 0; i < COUNT; i += 5) expect(everything).not.toContain(`value-of-mcp-${String(i).padStart(2, "0")}`);
  });

  it("keeps secret values out of the stack outputs", async () => {
    const { outputs } = await renderFleet(fleet(COUNT));
    const resolved = await Promise.all(
      Object.values(outputs.servers).map((s) => new Promise<string>((resolve) => void s.url.apply((url) => s.prmUrl.apply((prm) => resolve(`${url} ${prm}`))))),
    );
    expect(resolved.join("\n")).not.toContain("value-of-");
  });

  it("changes only the affected server's inputs when one server's var changes", async () => {
    const before = await renderFleet(fleet(COUNT));
    const values = fleetValues(COUNT);
    (values["servers"] as Record<string, unknown>[])[11]!["allowedOrigins"] = ["https://app.example.com"];
    const after = await renderFleet(parseStackConfig(input(values, [], "fleet")));
    const changed = after.plan.resources.filter((r, i) => JSON.stringify(r) !== JSON.stringify(before.plan.resources[i])).map((r) => r.name);
    expect(changed).toEqual(["mcp-11-script"]);
  });

  it("changes every script that runs the code, and nothing else, when the code changes", async () => {
    const before = await renderFleet(fleet(COUNT));
    const patched: BundleBuilder = async (options) => {
      const bundle = await bundleWorker(options);
      return { ...bundle, sha256: bundle.sha256.replace(/^./, (c) => (c === "0" ? "1" : "0")) };
    };
    const after = await renderFleet(fleet(COUNT), { build: patched });
    const changed = after.plan.resources.filter((r, i) => JSON.stringify(r) !== JSON.stringify(before.plan.resources[i]));
    expect(changed).toHaveLength(COUNT);
    expect(changed.every((r) => r.type === SCRIPT)).toBe(true);
  });

  it("passes per-server switches through to the provider inputs", async () => {
    const values = fleetValues(2);
    const [first, second] = values["servers"] as Record<string, unknown>[];
    Object.assign(first!, { keepBindings: ["secret_text"], workersDev: true, compatibilityDate: "2026-01-15", compatibilityFlags: ["nodejs_compat"], observabilitySampleRate: 0.25 });
    Object.assign(second!, { zoneName: "example.com" });
    delete (values["defaults"] as Record<string, unknown>)["zoneId"];
    delete first!["routes"];
    first!["zoneId"] = ZONE_ID;
    const { plan } = await renderFleet(parseStackConfig(input(values, [], "fleet")));
    expect(byName(plan.resources, "mcp-00-script").inputs).toMatchObject({
      keepBindings: ["secret_text"],
      compatibilityDate: "2026-01-15",
      compatibilityFlags: ["nodejs_compat"],
      observability: { enabled: true, headSamplingRate: 0.25 },
    });
    expect(byName(plan.resources, "mcp-00-subdomain").inputs).toMatchObject({ enabled: true, previewsEnabled: false });
    expect(byName(plan.resources, "mcp-01-domain").inputs).toEqual({ accountId: ACCOUNT_ID, hostname: "mcp-01.example.com", service: "mcp-01", zoneName: "example.com" });
    expect(byName(plan.resources, "mcp-01-script").inputs["keepBindings"]).toBeUndefined();
  });

  it("lets a program adjust script args through the transform escape hatch", async () => {
    const engine = await startMockEngine({ project: "authgent-edge", stack: "fleet" });
    await deployStack(fleet(1), { migrationTags: fixedMigrationTag(undefined), transformScript: (args) => ({ ...args, limits: { cpuMs: 50 } }) });
    await engine.settle();
    expect(engine.resources.find((r) => r.name === "mcp-00-script")?.inputs["limits"]).toEqual({ cpuMs: 50 });
  });
});
