/** Stack entries checked against what the server's code declares (infra/server-code.ts, infra/server-bindings.ts). */
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError, type ConfigIssue } from "../../infra/config.ts";
import { checkFleetCode } from "../../infra/server-code.ts";
import type { ServerDescription } from "../../infra/server-description.ts";
import type { ServerManifest } from "../../worker/kit/manifest.ts";
import { baseValues, input } from "./support/fixtures.ts";
import { FIXTURE_BINDINGS } from "../worker/fixtures/manifest-bindings.ts";

const SOURCE = "examples/fixture/server.ts";
const MANIFEST: ServerManifest = { bindings: FIXTURE_BINDINGS };
const KV_ID = "0123456789abcdef0123456789abcdef";
const D1_ID = "6f1c1a5e-2b7d-4c1e-9a3f-0d2b8c4e5f60";

function description(manifest: ServerManifest = MANIFEST, scopes = ["notes:read", "notes:write"]): ServerDescription {
  return { name: "fixture", version: "1", manifest, scopes };
}

/** A complete, valid supply for MANIFEST. */
function supplied(): Record<string, unknown> {
  return {
    NOTES_DB: { create: {} },
    NOTES_CACHE: { id: KV_ID },
    FILES: { create: { name: "fixture-files", location: "weur" } },
    JOBS: { name: "existing-jobs" },
    BACKEND: { service: "crm-api", entrypoint: "CrmRpc" },
    PG: { id: KV_ID },
    USAGE: { dataset: "mcp_usage" },
    GREETING: { value: "hello" },
  };
}

function values(bindings: Record<string, unknown> = supplied(), extra: Record<string, unknown> = {}): Record<string, unknown> {
  const v = baseValues();
  const [server] = v["servers"] as Record<string, unknown>[];
  Object.assign(server!, { source: SOURCE, bindings, ...extra });
  v["secrets"] = { alpha: { BACKEND_TOKEN: "tok-do-not-print" } };
  return v;
}

function check(v: Record<string, unknown>, desc: ServerDescription = description()) {
  const config = parseStackConfig(input(v));
  return checkFleetCode(config, new Map([[SOURCE, desc], ["worker/index.ts", description({}, ["mcp:read", "mcp:write"])]]));
}

function issues(v: Record<string, unknown>, desc?: ServerDescription): readonly ConfigIssue[] {
  try {
    check(v, desc);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as Error).message).not.toContain("tok-do-not-print");
    return (error as StackConfigError).issues;
  }
  throw new Error("expected the stack to be rejected");
}

function expectIssue(v: Record<string, unknown>, path: string, fragment: string, desc?: ServerDescription): void {
  expect(issues(v, desc)).toContainEqual({ path, message: expect.stringContaining(fragment) as unknown as string });
}

describe("resolving a server's bindings", () => {
  it("resolves every kind: created, referenced, services, vars, secrets, and the kinds that need no entry", () => {
    const { servers } = check(values());
    const bindings = servers.get("alpha")?.bindings ?? [];
    expect(bindings.map((b) => b.name)).toEqual(["AI", "BACKEND", "BACKEND_TOKEN", "FILES", "GREETING", "JOBS", "NOTES_CACHE", "NOTES_DB", "PG", "USAGE"]);
    const byName = new Map(bindings.map((b) => [b.name, b]));
    expect(byName.get("NOTES_DB")).toEqual({ kind: "d1", name: "NOTES_DB", create: { name: "alpha-notes-db", deleteData: false }, migrationsDir: "test/worker/fixtures/migrations" });
    expect(byName.get("NOTES_CACHE")).toEqual({ kind: "kv", name: "NOTES_CACHE", id: KV_ID });
    expect(byName.get("FILES")).toEqual({ kind: "r2", name: "FILES", create: { name: "fixture-files", location: "weur", deleteData: false }, bucket: "fixture-files" });
    expect(byName.get("JOBS")).toEqual({ kind: "queue", name: "JOBS", queue: "existing-jobs" });
    expect(byName.get("BACKEND")).toEqual({ kind: "service", name: "BACKEND", script: "crm-api", entrypoint: "CrmRpc" });
    expect(byName.get("PG")).toEqual({ kind: "hyperdrive", name: "PG", id: KV_ID });
    expect(byName.get("AI")).toEqual({ kind: "ai", name: "AI" });
    expect(byName.get("USAGE")).toEqual({ kind: "analytics_engine", name: "USAGE", dataset: "mcp_usage" });
    expect(byName.get("GREETING")).toEqual({ kind: "var", name: "GREETING", value: "hello" });
    const secret = byName.get("BACKEND_TOKEN");
    expect(secret?.kind === "secret" && secret.value.reveal()).toBe("tok-do-not-print");
  });

  it("replaces the servers' scopes with the scopes their code requires", () => {
    const { config } = check(values());
    expect(config.servers[0]?.scopes).toEqual(["notes:read", "notes:write"]);
  });

  it("refuses a binding the code declares that the stack does not supply, naming the forms", () => {
    const bindings = supplied();
    delete bindings["NOTES_DB"];
    expectIssue(values(bindings), "servers[0].bindings.NOTES_DB", `is required: ${SOURCE} declares NOTES_DB (d1); supply it with { create: {} } or { id: <database id (UUID)> }`);
  });

  it("refuses an entry the code does not declare", () => {
    expectIssue(values({ ...supplied(), EXTRA_DB: { create: {} } }), "servers[0].bindings.EXTRA_DB", `is not declared by ${SOURCE} (its manifest's bindings): remove the entry, or declare EXTRA_DB`);
  });

  it("refuses a wrong kind and a form that does not fit the declared kind", () => {
    expectIssue(values({ ...supplied(), NOTES_CACHE: { kind: "d1", id: D1_ID } }), "servers[0].bindings.NOTES_CACHE", `says kind d1, but ${SOURCE} declares NOTES_CACHE as kv`);
    expectIssue(values({ ...supplied(), JOBS: { service: "jobs" } }), "servers[0].bindings.JOBS", "uses service:, which does not fit JOBS (queue");
    expectIssue(values({ ...supplied(), PG: { create: {} } }), "servers[0].bindings.PG", "uses create:, which does not fit PG (hyperdrive");
    expectIssue(values({ ...supplied(), AI: { id: KV_ID } }), "servers[0].bindings.AI", "is ai in");
    expectIssue(values({ ...supplied(), NOTES_CACHE: { create: { location: "weur" } } }), "servers[0].bindings.NOTES_CACHE", "create.location, which only D1 databases and R2 buckets take");
  });

  it("refuses two supply forms in one entry, and deleteData without create", () => {
    expect(() => parseStackConfig(input(values({ ...supplied(), NOTES_DB: { create: {}, id: D1_ID } })))).toThrow("servers[0].bindings.NOTES_DB must use one of create, id");
    expect(() => parseStackConfig(input(values({ ...supplied(), NOTES_CACHE: { id: KV_ID, deleteData: true } })))).toThrow("deleteData, which only applies to a created resource");
  });

  it("refuses a stack entry named like one of the kit's bindings", () => {
    expectIssue(values({ ...supplied(), MCP_OBJECT: { create: {} } }), "servers[0].bindings.MCP_OBJECT", "is a binding the kit sets on every server");
    expectIssue(values({ ...supplied(), AUTHGENT_ISSUER: { value: "x" } }), "servers[0].bindings.AUTHGENT_ISSUER", "is a binding the kit sets on every server");
  });

  it("refuses a var without its value, and a secret under bindings", () => {
    expectIssue(values({ ...supplied(), GREETING: {} }), "servers[0].bindings.GREETING", "says nothing about how to supply GREETING (var");
    expectIssue(values({ ...supplied(), BACKEND_TOKEN: { value: "x" } }), "servers[0].bindings.BACKEND_TOKEN", "is a secret in");
  });

  it("names the command for a secret the code needs and the stack has not set", () => {
    const v = values();
    v["secrets"] = {};
    expectIssue(v, "servers[0].bindings.BACKEND_TOKEN", "pulumi config set --secret --path 'secrets.alpha.BACKEND_TOKEN' <value>");
  });

  it("refuses a secret value neither the stack nor the code declares, without printing it", () => {
    const v = values();
    v["secrets"] = { alpha: { BACKEND_TOKEN: "tok-do-not-print", STRAY: "tok-do-not-print" } };
    expectIssue(v, "secrets.alpha.STRAY", 'is not declared: add "STRAY" to servers[0].secrets, declare it in');
  });

  it("refuses a stack secret the code declares as another kind", () => {
    const v = values(supplied(), { secrets: ["GREETING"] });
    v["secrets"] = { alpha: { BACKEND_TOKEN: "tok-do-not-print", GREETING: "tok-do-not-print" } };
    expectIssue(v, "servers[0].secrets", "lists GREETING, which examples/fixture/server.ts declares as var");
  });

  it("binds a service to another server of the stack by its script name, and refuses an unknown one", () => {
    const v = values({ ...supplied(), BACKEND: { server: "beta" } });
    (v["servers"] as unknown[]).push({ name: "beta", previousNames: ["beta-old"], audience: "https://beta.example.com", customDomain: "beta.example.com" });
    expect(check(v).servers.get("alpha")?.bindings.find((b) => b.name === "BACKEND")).toEqual({ kind: "service", name: "BACKEND", script: "beta-old" });
    expectIssue(values({ ...supplied(), BACKEND: { server: "gamma" } }), "servers[0].bindings.BACKEND", 'names server "gamma", which is not in servers:');
  });

  it("refuses two servers creating one resource", () => {
    const v = values({ ...supplied(), FILES: { create: { name: "shared-files" } } });
    (v["servers"] as unknown[]).push({ name: "beta", source: SOURCE, audience: "https://beta.example.com", customDomain: "beta.example.com", bindings: { ...supplied(), FILES: { create: { name: "shared-files" } } } });
    (v["secrets"] as Record<string, unknown>)["beta"] = { BACKEND_TOKEN: "tok-do-not-print" };
    expectIssue(v, "servers[1].bindings.FILES", 'would create r2 "shared-files", which servers[0].bindings.FILES creates too');
  });

  it("refuses a default created name longer than Cloudflare allows", () => {
    const binding = `FILES_${"X".repeat(55)}`;
    const manifest: ServerManifest = { bindings: { [binding]: { kind: "r2" } } };
    const v = values({ [binding]: { create: {} } });
    v["secrets"] = {};
    expectIssue(v, `servers[0].bindings.${binding}`, "longer than 63 characters: set create.name", description(manifest));
  });

  it("keeps a created resource the code no longer binds while its entry retires it", () => {
    const { servers } = check(values({ ...supplied(), OLD_CACHE: { kind: "kv", create: {}, deleteData: true } }));
    expect(servers.get("alpha")?.retiring).toEqual([{ binding: "OLD_CACHE", kind: "kv", create: { name: "alpha-old-cache", deleteData: true } }]);
  });

  it("unprotects what a retired server created", () => {
    const v = values();
    v["retiredServers"] = [{ name: "alpha", deleteData: true }];
    expect(check(v).servers.get("alpha")?.bindings.find((b) => b.name === "NOTES_DB")).toMatchObject({ create: { deleteData: true } });
  });
});

describe("the deprecated scopes key", () => {
  it("is an error when it differs from the code's scopes, naming both", () => {
    expectIssue(values(supplied(), { scopes: ["mcp:read"] }), "servers[0].scopes", `lists mcp:read, but ${SOURCE} requires notes:read, notes:write`);
  });

  it("is a warning when it equals them, and under defaults it is reported once", () => {
    const { config } = check(values(supplied(), { scopes: ["notes:write", "notes:read"] }));
    expect(config.warnings).toContainEqual({ path: "servers[0].scopes", message: expect.stringContaining("is deprecated: the scopes come from") as unknown as string });
    const v = values();
    (v["defaults"] as Record<string, unknown>)["scopes"] = ["mcp:read"];
    expect(issues(v).filter((i) => i.path === "defaults.scopes")).toHaveLength(1);
  });
});
