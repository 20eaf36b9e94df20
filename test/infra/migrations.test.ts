/**
 * The Durable Object migration ledger against a fake Cloudflare API that
 * enforces the old-tag precondition the way Cloudflare does (code 10079).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DURABLE_OBJECT_MIGRATIONS, MCP_AGENT } from "../../worker/bindings.ts";
import { CloudflareApiError, createCloudflareApi } from "../../infra/cloudflare-api.ts";
import { checkLedger, MigrationLedgerError, pendingMigrations, type MigrationLedger } from "../../infra/migrations.ts";
import { loadStackFileConfig } from "../../infra/config-source.ts";
import { startFakeCloudflareApi, type FakeCloudflareApi } from "../../scripts/lib/fake-cloudflare-api.ts";
import { renderFleet, type RenderOptions } from "../../scripts/lib/offline-plan.ts";
import { uploadScriptsTo, WORKERS_SCRIPT } from "./support/script-upload.ts";

const TOKEN = "test-token-never-printed";
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const SCRIPT = "my-mcp-server-staging";
const WITH_AUDIT_LOG: MigrationLedger = [...DURABLE_OBJECT_MIGRATIONS, { tag: "v2", newSqliteClasses: ["AuditLog"] }];

describe("pendingMigrations", () => {
  it("sends the whole ledger, without an old tag, to a script that has none", () => {
    expect(pendingMigrations(WITH_AUDIT_LOG, undefined, "s")).toEqual({
      newTag: "v2",
      steps: [{ newSqliteClasses: [MCP_AGENT.className] }, { newSqliteClasses: ["AuditLog"] }],
    });
  });

  it("sends only the steps after the deployed tag, naming it as the old tag", () => {
    expect(pendingMigrations(WITH_AUDIT_LOG, "v1", "s")).toEqual({ oldTag: "v1", newTag: "v2", steps: [{ newSqliteClasses: ["AuditLog"] }] });
  });

  it("sends nothing when the script is at the last tag", () => {
    expect(pendingMigrations(WITH_AUDIT_LOG, "v2", "s")).toBeUndefined();
  });

  it("refuses a deployed tag the ledger does not contain instead of replaying every step", () => {
    expect(() => pendingMigrations(WITH_AUDIT_LOG, "v9", "my-script")).toThrow(MigrationLedgerError);
    expect(() => pendingMigrations(WITH_AUDIT_LOG, "v9", "my-script")).toThrow(/restore the ledger entry for "v9"/);
  });
});

describe("pendingMigrations with a server's own ledger", () => {
  const SERVER: MigrationLedger = [{ tag: "notes-v1", newSqliteClasses: ["Counter"] }];
  const SERVER_V2: MigrationLedger = [...SERVER, { tag: "notes-v2", renamedClasses: [{ from: "Counter", to: "Tally" }] }];

  it("records both ledgers' places in one tag: <kit tag>+<server tag>", () => {
    expect(pendingMigrations(DURABLE_OBJECT_MIGRATIONS, undefined, "s", SERVER)).toEqual({
      newTag: "v1+notes-v1",
      steps: [{ newSqliteClasses: [MCP_AGENT.className] }, { newSqliteClasses: ["Counter"] }],
    });
    expect(pendingMigrations(DURABLE_OBJECT_MIGRATIONS, "v1+notes-v1", "s", SERVER)).toBeUndefined();
  });

  it("sends a step the kit appended later without re-sending the server's applied steps", () => {
    // A single concatenated ledger would place v2 after notes-v1 and treat it as applied.
    expect(pendingMigrations(WITH_AUDIT_LOG, "v1+notes-v1", "s", SERVER)).toEqual({ oldTag: "v1+notes-v1", newTag: "v2+notes-v1", steps: [{ newSqliteClasses: ["AuditLog"] }] });
    expect(pendingMigrations(WITH_AUDIT_LOG, "v1+notes-v1", "s", SERVER_V2)).toEqual({
      oldTag: "v1+notes-v1",
      newTag: "v2+notes-v2",
      steps: [{ newSqliteClasses: ["AuditLog"] }, { renamedClasses: [{ from: "Counter", to: "Tally" }] }],
    });
  });

  it("refuses a server half its ledger no longer has, naming the step to restore", () => {
    expect(() => pendingMigrations(DURABLE_OBJECT_MIGRATIONS, "v1+notes-v0", "notes-mcp", SERVER)).toThrow(/script notes-mcp .* server half "notes-v0" is not in the server's own ledger .*restore the step "notes-v0"/);
    expect(() => pendingMigrations(DURABLE_OBJECT_MIGRATIONS, "v1+notes-v1", "notes-mcp", [])).toThrow(/its manifest's migrations: none/);
  });

  it("refuses a kit tag containing the separator", () => {
    expect(() => checkLedger([...DURABLE_OBJECT_MIGRATIONS, { tag: "v2+x", newSqliteClasses: ["X"] }])).toThrow(/contains "\+"/);
  });
});

describe("checkLedger", () => {
  it("accepts the worker's ledger", () => {
    expect(() => checkLedger(DURABLE_OBJECT_MIGRATIONS)).not.toThrow();
  });

  it("rejects a ledger that never creates the bound Durable Object class", () => {
    expect(() => checkLedger([{ tag: "v1", newSqliteClasses: ["Other"] }])).toThrow(/AuthgentMCPAgent is bound but no migration/);
  });

  it("rejects a reused tag", () => {
    expect(() => checkLedger([...DURABLE_OBJECT_MIGRATIONS, { tag: "v1", newClasses: ["X"] }])).toThrow(/repeats tag "v1"/);
  });

  it("rejects deleting a class that does not exist", () => {
    expect(() => checkLedger([...DURABLE_OBJECT_MIGRATIONS, { tag: "v2", deletedClasses: ["Ghost"] }])).toThrow(/deletes Ghost/);
  });
});

describe("deploying against the fake Cloudflare API", () => {
  let api: FakeCloudflareApi;
  beforeEach(async () => {
    api = await startFakeCloudflareApi({ apiToken: TOKEN });
  });
  afterEach(async () => {
    await api.close();
  });

  async function deploy(ledger?: MigrationLedger) {
    const options: RenderOptions = {
      migrationTags: createCloudflareApi({ apiToken: TOKEN, baseUrl: api.url }),
      onCreate: uploadScriptsTo({ url: api.url, apiToken: TOKEN }),
      ...(ledger ? { ledger } : {}),
    };
    return renderFleet(await loadStackFileConfig("staging"), options);
  }
  const deployed = () => api.scripts.get(`${ACCOUNT}/${SCRIPT}`);

  it("applies the first migration on the first deploy", async () => {
    await deploy();
    expect(deployed()).toMatchObject({ migrationTag: "v1", uploads: 1 });
    expect([...(deployed()?.classes ?? [])]).toEqual([MCP_AGENT.className]);
  });

  it("re-deploys with nothing new without re-sending the migration", async () => {
    await deploy();
    const { plan } = await deploy();
    expect(plan.resources.find((r) => r.type === WORKERS_SCRIPT)?.inputs["migrations"]).toBeUndefined();
    expect(deployed()).toMatchObject({ migrationTag: "v1", uploads: 2 });
    expect(deployed()?.metadata.migrations).toBeUndefined();
  });

  it("is exactly the re-deploy that fails when configured migrations are re-sent (pulumi-cloudflare#1215)", async () => {
    await deploy();
    const resend = uploadScriptsTo({ url: api.url, apiToken: TOKEN });
    const [first] = (await loadStackFileConfig("staging")).servers;
    await expect(
      resend(WORKERS_SCRIPT, "x", {
        accountId: ACCOUNT,
        scriptName: first?.name,
        mainModule: "index.js",
        contentFile: "../dist/worker/index.js",
        bindings: [],
        migrations: pendingMigrations(DURABLE_OBJECT_MIGRATIONS, undefined, SCRIPT),
      }),
    ).rejects.toThrow("Migration tag precondition failed; current tag is 'v1' [code: 10079]");
  });

  it("adds a class by sending only the new step after the deployed tag", async () => {
    await deploy();
    const { plan } = await deploy(WITH_AUDIT_LOG);
    expect(plan.resources.find((r) => r.type === WORKERS_SCRIPT)?.inputs["migrations"]).toEqual({
      oldTag: "v1",
      newTag: "v2",
      steps: [{ newSqliteClasses: ["AuditLog"] }],
    });
    expect(deployed()?.migrationTag).toBe("v2");
    expect([...(deployed()?.classes ?? [])].sort()).toEqual(["AuditLog", MCP_AGENT.className]);
  });

  it("binds the Durable Object only once its class exists", async () => {
    await deploy();
    expect(deployed()?.metadata.bindings).toContainEqual({ type: "durable_object_namespace", name: MCP_AGENT.binding, class_name: MCP_AGENT.className });
  });

  it("reads one script's tag and never lists the account's scripts", async () => {
    await deploy();
    await deploy();
    expect(api.requests.map((r) => `${r.method} ${r.path.replace(api.url.replace(/^http:\/\/[^/]+/, ""), "")}`)).toEqual([
      `GET /accounts/${ACCOUNT}/workers/services/${SCRIPT}`,
      `PUT /accounts/${ACCOUNT}/workers/scripts/${SCRIPT}`,
      `GET /accounts/${ACCOUNT}/workers/services/${SCRIPT}`,
      `PUT /accounts/${ACCOUNT}/workers/scripts/${SCRIPT}`,
    ]);
  });

  it("fails with the API's reason and never the token when the token is rejected", async () => {
    const reader = createCloudflareApi({ apiToken: "wrong-token", baseUrl: api.url });
    const error = await reader.currentTag(ACCOUNT, SCRIPT).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect((error as CloudflareApiError).message).toMatch(/HTTP 403: Authentication error \[code: 10000\] \(check the API token/);
    expect((error as CloudflareApiError).message).not.toContain("wrong-token");
  });

  it("stops before uploading when the deployed tag is missing from the ledger", async () => {
    await deploy(WITH_AUDIT_LOG);
    await expect(deploy()).rejects.toThrow(/at Durable Object migration tag "v2", which is not in DURABLE_OBJECT_MIGRATIONS/);
    expect(deployed()?.uploads).toBe(1);
  });
});
