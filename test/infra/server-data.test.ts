/**
 * A server with a manifest through the real program under mocks: the
 * resources the stack creates for its bindings (protected, aliased on
 * renames, unprotected only on purpose), the script's bindings, its own
 * Durable Objects and ledger, scopes from the code everywhere, one bundle
 * per source, and the preview notes about data.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { authgentConfigPlugin } from "../../infra/config-plugins.ts";
import { parseStackConfig, StackConfigError } from "../../infra/config.ts";
import { stackFileInput } from "../../infra/config-source.ts";
import { bundleWorker } from "../../infra/worker-bundle.ts";
import type { BundleBuilder } from "../../infra/bundles.ts";
import { MCP_AGENT } from "../../worker/bindings.ts";
import { createCloudflareApi } from "../../infra/cloudflare-api.ts";
import { startFakeCloudflareApi } from "../../scripts/lib/fake-cloudflare-api.ts";
import { renderFleet, type PlanResource } from "../../scripts/lib/offline-plan.ts";
import { uploadScriptsTo } from "./support/script-upload.ts";
import { baseValues, input } from "./support/fixtures.ts";

const FIXTURE = "test/worker/fixtures/manifest-server.ts";
const HYPERDRIVE_ID = "0123456789abcdef0123456789abcdef";

/** The fixture server (every binding kind) as `alpha`, plus a default-source `beta`. */
function values(change: (alpha: Record<string, unknown>, all: Record<string, unknown>) => void = () => {}): Record<string, unknown> {
  const v = baseValues();
  const servers = v["servers"] as Record<string, unknown>[];
  Object.assign(servers[0]!, {
    source: FIXTURE,
    bindings: {
      NOTES_DB: { create: {} },
      NOTES_CACHE: { create: {} },
      FILES: { create: { location: "weur" } },
      JOBS: { create: {} },
      BACKEND: { server: "beta", entrypoint: "Api" },
      PG: { id: HYPERDRIVE_ID },
      USAGE: { dataset: "mcp_usage" },
      GREETING: { value: "hello" },
    },
  });
  servers.push({ name: "beta", audience: "https://beta.example.com", customDomain: "beta.example.com" });
  v["secrets"] = { alpha: { BACKEND_TOKEN: "backend-token-do-not-print" } };
  change(servers[0]!, v);
  return v;
}

const render = (v = values()) => renderFleet(parseStackConfig(input(v)));

function named(resources: readonly PlanResource[], name: string): PlanResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}; have ${resources.map((r) => r.name).join(", ")}`);
  return found;
}

describe("a server's manifest bindings in the plan", () => {
  it("creates the KV namespace, D1 database, R2 bucket and queue as protected children of the server", async () => {
    const { plan } = await render();
    expect(named(plan.resources, "alpha-notes-db")).toMatchObject({ type: "cloudflare:index/d1Database:D1Database", parent: "alpha", protect: true, inputs: { name: "alpha-notes-db" } });
    expect(named(plan.resources, "alpha-notes-cache")).toMatchObject({ type: "cloudflare:index/workersKvNamespace:WorkersKvNamespace", parent: "alpha", protect: true, inputs: { title: "alpha-notes-cache" } });
    expect(named(plan.resources, "alpha-files")).toMatchObject({ type: "cloudflare:index/r2Bucket:R2Bucket", protect: true, inputs: { name: "alpha-files", location: "weur" } });
    expect(named(plan.resources, "alpha-jobs")).toMatchObject({ type: "cloudflare:index/queue:Queue", protect: true, inputs: { queueName: "alpha-jobs" } });
    expect(named(plan.resources, "alpha-notes-db-migrations").type).toBe("authgent-edge:index:D1Migrations");
    // The default-source server creates nothing.
    expect(plan.resources.filter((r) => r.parent === "beta").map((r) => r.name).sort()).toEqual(["beta-domain", "beta-script", "beta-subdomain"]);
  });

  it("binds every declared binding, the server's own Durable Object, and the secret as a Pulumi secret", async () => {
    const { plan, resources } = await render();
    const bindings = named(plan.resources, "alpha-script").inputs["bindings"] as Record<string, unknown>[];
    const byName = new Map(bindings.map((b) => [b["name"], b]));
    expect(byName.get(MCP_AGENT.binding)).toEqual({ type: "durable_object_namespace", name: MCP_AGENT.binding, className: MCP_AGENT.className });
    expect(byName.get("COUNTER")).toEqual({ type: "durable_object_namespace", name: "COUNTER", className: "Counter" });
    expect(byName.get("NOTES_DB")).toEqual({ type: "d1", name: "NOTES_DB", id: "alpha-notes-db-id" });
    expect(byName.get("NOTES_CACHE")).toEqual({ type: "kv_namespace", name: "NOTES_CACHE", namespaceId: "alpha-notes-cache-id" });
    expect(byName.get("FILES")).toEqual({ type: "r2_bucket", name: "FILES", bucketName: "alpha-files" });
    expect(byName.get("JOBS")).toEqual({ type: "queue", name: "JOBS", queueName: "alpha-jobs" });
    expect(byName.get("BACKEND")).toEqual({ type: "service", name: "BACKEND", service: "beta", entrypoint: "Api" });
    expect(byName.get("PG")).toEqual({ type: "hyperdrive", name: "PG", id: HYPERDRIVE_ID });
    expect(byName.get("AI")).toEqual({ type: "ai", name: "AI" });
    expect(byName.get("USAGE")).toEqual({ type: "analytics_engine", name: "USAGE", dataset: "mcp_usage" });
    expect(byName.get("GREETING")).toEqual({ type: "plain_text", name: "GREETING", text: "hello" });
    expect(byName.get("BACKEND_TOKEN")).toEqual({ type: "secret_text", name: "BACKEND_TOKEN", text: "[secret]" });
    const index = bindings.findIndex((b) => b["name"] === "BACKEND_TOKEN");
    expect(resources.find((r) => r.name === "alpha-script")?.secretPaths).toContain(`bindings[${index}].text`);
    expect(JSON.stringify(plan)).not.toContain("backend-token-do-not-print");
  });

  it("binds a secret once when the stack also lists it under servers[i].secrets", async () => {
    const { plan } = await render(values((alpha) => (alpha["secrets"] = ["BACKEND_TOKEN"])));
    const bindings = named(plan.resources, "alpha-script").inputs["bindings"] as { name: string }[];
    expect(bindings.filter((b) => b.name === "BACKEND_TOKEN")).toHaveLength(1);
  });

  it("sends the kit's and the server's Durable Object migrations under one combined tag", async () => {
    const { plan } = await render();
    expect(named(plan.resources, "alpha-script").inputs["migrations"]).toEqual({
      newTag: "v1+fixture-v1",
      steps: [{ newSqliteClasses: [MCP_AGENT.className] }, { newSqliteClasses: ["Counter"] }],
    });
    expect(named(plan.resources, "beta-script").inputs["migrations"]).toEqual({ newTag: "v1", steps: [{ newSqliteClasses: [MCP_AGENT.className] }] });
  });

  it("sends only the server's steps to a script deployed before it had its own", async () => {
    const { plan } = await renderFleet(parseStackConfig(input(values())), { currentMigrationTag: "v1" });
    expect(named(plan.resources, "alpha-script").inputs["migrations"]).toEqual({ oldTag: "v1", newTag: "v1+fixture-v1", steps: [{ newSqliteClasses: ["Counter"] }] });
    expect(named(plan.resources, "beta-script").inputs["migrations"]).toBeUndefined();
  });

  it("deploys the server's classes against Cloudflare's tag precondition, then sends nothing on the next deploy", async () => {
    const token = "server-ledger-token";
    const api = await startFakeCloudflareApi({ apiToken: token });
    try {
      const client = createCloudflareApi({ apiToken: token, baseUrl: api.url });
      const deploy = () => renderFleet(parseStackConfig(input(values())), { migrationTags: client, onCreate: uploadScriptsTo({ url: api.url, apiToken: token }) });
      await deploy();
      const script = [...api.scripts.values()].find((s) => s.name === "alpha");
      expect(script?.migrationTag).toBe("v1+fixture-v1");
      expect([...(script?.classes ?? [])].sort()).toEqual([MCP_AGENT.className, "Counter"]);
      const { plan } = await deploy();
      expect(named(plan.resources, "alpha-script").inputs["migrations"]).toBeUndefined();
      expect([...api.scripts.values()].find((s) => s.name === "alpha")?.uploads).toBe(2);
    } finally {
      await api.close();
    }
  });

  it("exports the scopes the code requires", async () => {
    const { outputs } = await render();
    const scopes = await new Promise<string[][]>((resolve) => void pulumi.all([outputs.servers["alpha"]!.scopes, outputs.servers["beta"]!.scopes]).apply(resolve));
    expect(scopes).toEqual([["fixture:prompt", "fixture:read"], ["mcp:read", "mcp:write"]]);
  });

  it("builds each source once, however many bindings its servers have", async () => {
    const calls: string[] = [];
    const build: BundleBuilder = async (options) => {
      calls.push(options.entry);
      return bundleWorker(options);
    };
    await renderFleet(parseStackConfig(input(values())), { build });
    expect(calls).toHaveLength(2);
  });

  it("refuses a secret the code needs and the stack lacks when run as pulumi does; the offline plan shows a placeholder and says so", async () => {
    const v = values((_alpha, all) => (all["secrets"] = {}));
    await expect(renderFleet(parseStackConfig(input(v)), { missingSecrets: "refuse" })).rejects.toThrow(StackConfigError);
    const { notes } = await renderFleet(parseStackConfig(input(v)));
    expect(notes).toContainEqual(expect.stringContaining("warning: secrets.alpha.BACKEND_TOKEN is not set"));
  });
});

describe("data is never deleted silently", () => {
  it("keeps a renamed server's resources: aliased to the old names, created under the script's name", async () => {
    const renamed = values((alpha, all) => {
      Object.assign(alpha, { name: "alpha-two", previousNames: ["alpha"] });
      all["secrets"] = { "alpha-two": { BACKEND_TOKEN: "t" } };
    });
    const { resources } = await render(renamed);
    for (const suffix of ["-notes-db", "-notes-cache", "-files", "-jobs"]) {
      const resource = resources.find((r) => r.name === `alpha-two${suffix}`);
      expect(resource?.protect).toBe(true);
      expect(resource?.aliasNames).toEqual([`alpha${suffix}`]);
    }
    expect(resources.find((r) => r.name === "alpha-two-notes-db")?.inputs["name"]).toBe("alpha-notes-db");
  });

  it("unprotects what a retired server created, and the preview lists it with how to keep it", async () => {
    const v = values((_alpha, all) => (all["retiredServers"] = [{ name: "alpha", deleteData: true }]));
    const { plan, notes } = await render(v);
    for (const name of ["alpha-notes-db", "alpha-notes-cache", "alpha-files", "alpha-jobs", "alpha-script"]) expect(named(plan.resources, name).protect).toBe(false);
    expect(notes).toContainEqual(
      expect.stringMatching(/server alpha is retired \(retiredServers\): .*D1 database alpha-notes-db \(NOTES_DB\).*remove alpha from retiredServers.*wrangler d1 export alpha-notes-db --remote/),
    );
  });

  it("unprotects one created resource marked deleteData, and says so", async () => {
    const { plan, notes } = await render(values((alpha) => ((alpha["bindings"] as Record<string, unknown>)["JOBS"] = { create: {}, deleteData: true })));
    expect(named(plan.resources, "alpha-jobs").protect).toBe(false);
    expect(named(plan.resources, "alpha-notes-db").protect).toBe(true);
    expect(notes).toContainEqual(expect.stringContaining("server alpha: queue alpha-jobs (JOBS) is not protected (deleteData: true)"));
  });

  it("keeps a resource the code stopped binding while its entry retires it: declared, unprotected, not bound", async () => {
    const { plan, notes } = await render(values((alpha) => ((alpha["bindings"] as Record<string, unknown>)["OLD_CACHE"] = { kind: "kv", create: {}, deleteData: true })));
    expect(named(plan.resources, "alpha-old-cache")).toMatchObject({ protect: false, inputs: { title: "alpha-old-cache" } });
    expect((named(plan.resources, "alpha-script").inputs["bindings"] as { name: string }[]).map((b) => b.name)).not.toContain("OLD_CACHE");
    expect(notes).toContainEqual(expect.stringContaining("removing servers[].bindings.OLD_CACHE from the stack deletes it with its data"));
  });

  it("lists the D1 migrations pulumi up applies", async () => {
    const { notes } = await render();
    expect(notes).toContainEqual(expect.stringContaining("D1 SQL migrations: `pulumi up` applies each file not yet recorded in the database's d1_migrations table"));
    expect(notes).toContainEqual(expect.stringContaining("alpha NOTES_DB (0001_notes.sql, 0002_tags.sql)"));
  });
});

describe("Authgent's supported scopes", () => {
  it("are the union of the scopes the servers' code requires", async () => {
    const text = [
      "config:",
      "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef",
      "  authgent-edge:defaults:",
      "    zoneId: fedcba9876543210fedcba9876543210",
      "  authgent-edge:servers:",
      "    - name: alpha",
      "      audience: https://alpha.yourcompany.com",
      "      customDomain: alpha.yourcompany.com",
      "    - name: second",
      "      source: test/worker/fixtures/second-server.ts",
      "      audience: https://second.yourcompany.com",
      "      customDomain: second.yourcompany.com",
      "  authgent-edge:authgent:",
      "    host: ssh://deploy@vps.yourcompany.com",
      "    issuer: https://auth.yourcompany.com",
      "    secretKey:",
      "      secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB",
      "",
    ].join("\n");
    const { plan } = await renderFleet(parseStackConfig(stackFileInput("production", text), { authgent: authgentConfigPlugin! }));
    const envs = named(plan.resources, "authgent-container").inputs["envs"] as string[];
    expect(envs).toContain('AUTHGENT_SCOPES_SUPPORTED=["mcp:read","mcp:write","second:use"]');
  });
});
