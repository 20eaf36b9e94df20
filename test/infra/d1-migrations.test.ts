/**
 * D1 SQL migrations applied the way `wrangler d1 migrations apply --remote`
 * does (infra/d1-migrations.ts), through the fake Cloudflare API's D1 query
 * endpoint backed by Miniflare's local D1 (real SQLite in workerd), and
 * through the program during `pulumi up` under mocks.
 */
import { Miniflare } from "miniflare";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compareMigrationNames, createD1Api, D1_MIGRATIONS_TABLE, D1MigrationsError, applyD1Migrations, readD1Migrations, type D1QueryApi } from "../../infra/d1-migrations.ts";
import { parseStackConfig } from "../../infra/config.ts";
import { startFakeCloudflareApi, type FakeCloudflareApi } from "../../scripts/lib/fake-cloudflare-api.ts";
import { renderFleet } from "../../scripts/lib/offline-plan.ts";
import { ACCOUNT_ID, baseValues, input } from "./support/fixtures.ts";

const TOKEN = "d1-test-token";
const FIXTURE_DIR = "test/worker/fixtures/migrations";

type LocalD1 = Awaited<ReturnType<Miniflare["getD1Database"]>>;

let mf: Miniflare;
const databases = new Map<string, LocalD1>();
let api: FakeCloudflareApi;
let client: D1QueryApi;

async function database(id: string): Promise<LocalD1> {
  let db = databases.get(id);
  if (!db) {
    db = await mf.getD1Database(`DB_${databases.size}`);
    databases.set(id, db);
  }
  return db;
}

beforeAll(async () => {
  // Four local databases are plenty: each test takes fresh ids from the pool.
  mf = new Miniflare({ modules: true, script: "export default { fetch() { return new Response(null) } }", d1Databases: ["DB_0", "DB_1", "DB_2", "DB_3", "DB_4", "DB_5", "DB_6", "DB_7"] });
});
afterAll(async () => {
  await mf.dispose();
});
beforeEach(async () => {
  api = await startFakeCloudflareApi({
    apiToken: TOKEN,
    // Like the D1 query endpoint: the statements of one query run as one batch (a failure rolls it back).
    d1: async (id, sql) => {
      if (!id.startsWith("db-") && !id.endsWith("-id")) return undefined;
      const result = await (await database(id)).prepare(sql).all();
      return [{ results: result.results, success: result.success }];
    },
  });
  client = createD1Api({ apiToken: TOKEN, baseUrl: api.url, baseDelayMs: 1 });
});
afterEach(async () => {
  await api.close();
});

async function history(id: string): Promise<string[]> {
  const rows = await (await database(id)).prepare(`SELECT name FROM ${D1_MIGRATIONS_TABLE} ORDER BY id`).all<{ name: string }>();
  return rows.results.map((row) => row.name);
}

describe("reading a migrations directory", () => {
  it("orders files by their number, then by name, as wrangler does", () => {
    expect(["10_c.sql", "2_b.sql", "0001_a.sql", "2_a.sql", "notes.sql"].sort(compareMigrationNames)).toEqual(["0001_a.sql", "2_a.sql", "2_b.sql", "10_c.sql", "notes.sql"]);
  });

  it("reads only .sql files, with a hash of each", async () => {
    const migrations = await readD1Migrations(FIXTURE_DIR);
    expect(migrations.map((m) => m.name)).toEqual(["0001_notes.sql", "0002_tags.sql"]);
    expect(migrations[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names the directory it cannot read", async () => {
    await expect(readD1Migrations("test/worker/fixtures/no-such-dir")).rejects.toThrow("cannot read the D1 migrations directory test/worker/fixtures/no-such-dir");
  });
});

describe("applying migrations through the D1 query API", () => {
  it("applies every file in order with its record, and nothing twice", async () => {
    const migrations = await readD1Migrations(FIXTURE_DIR);
    expect(await applyD1Migrations(client, ACCOUNT_ID, "db-a", migrations, "test")).toEqual(["0001_notes.sql", "0002_tags.sql"]);
    expect(await history("db-a")).toEqual(["0001_notes.sql", "0002_tags.sql"]);
    // The second file's statements ran, its string literal with ';' and a quote intact.
    const rows = await (await database("db-a")).prepare("SELECT body, tags FROM notes").all();
    expect(rows.results).toEqual([{ body: "it's here; really", tags: "" }]);
    expect(await applyD1Migrations(client, ACCOUNT_ID, "db-a", migrations, "test")).toEqual([]);
  });

  it("applies only a file added since, keeping wrangler's table as the history", async () => {
    const migrations = await readD1Migrations(FIXTURE_DIR);
    await applyD1Migrations(client, ACCOUNT_ID, "db-b", migrations.slice(0, 1), "test");
    expect(await applyD1Migrations(client, ACCOUNT_ID, "db-b", migrations, "test")).toEqual(["0002_tags.sql"]);
    const columns = await (await database("db-b")).prepare(`PRAGMA table_info(${D1_MIGRATIONS_TABLE})`).all<{ name: string }>();
    expect(columns.results.map((c) => c.name)).toEqual(["id", "name", "applied_at"]);
  });

  it("records nothing of a failing file, keeps what applied before, and names the file", async () => {
    const migrations = await readD1Migrations(FIXTURE_DIR);
    const broken = { name: "0003_broken.sql", sql: "INSERT INTO notes (owner, title, body) VALUES ('x', 'y', 'z');\nALTER TABLE nope ADD COLUMN a TEXT;", sha256: "" };
    const error = await applyD1Migrations(client, ACCOUNT_ID, "db-c", [...migrations, broken], "server alpha, D1 NOTES_DB").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(D1MigrationsError);
    expect((error as Error).message).toMatch(/^server alpha, D1 NOTES_DB: migration 0003_broken\.sql failed and was not recorded: .*no such table: nope.*applied before it: 0001_notes\.sql, 0002_tags\.sql/);
    expect(await history("db-c")).toEqual(["0001_notes.sql", "0002_tags.sql"]);
    // Its first statement was rolled back with the rest.
    expect((await (await database("db-c")).prepare("SELECT count(*) AS n FROM notes").first<{ n: number }>())?.n).toBe(1);
  });

  it("retries a rate-limited query", async () => {
    api.throttle(1, 0);
    expect(await applyD1Migrations(client, ACCOUNT_ID, "db-d", await readD1Migrations(FIXTURE_DIR), "test")).toHaveLength(2);
    expect(api.requests[0]?.status).toBe(429);
  });
});

describe("the program's D1 step", () => {
  function stack() {
    const values = baseValues();
    Object.assign((values["servers"] as Record<string, unknown>[])[0]!, {
      source: "test/worker/fixtures/manifest-server.ts",
      bindings: {
        NOTES_DB: { create: {} },
        NOTES_CACHE: { create: {} },
        FILES: { create: {} },
        JOBS: { create: {} },
        BACKEND: { service: "crm-api" },
        PG: { id: "0123456789abcdef0123456789abcdef" },
        GREETING: { value: "hi" },
      },
    });
    values["secrets"] = { alpha: { BACKEND_TOKEN: "t" } };
    return parseStackConfig(input(values));
  }
  // The mock engine gives a created resource the id `<resource name>-id`.
  const tables = async () => (await (await database("alpha-notes-db-id")).prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 4) <> '_cf_' ORDER BY name").all<{ name: string }>()).results.map((r) => r.name);

  it("changes nothing during a preview", async () => {
    await renderFleet(stack(), { d1: client, preview: true });
    expect(await tables()).toEqual([]);
  });

  it("applies the created database's migrations during pulumi up, before the script binds it", async () => {
    const { plan } = await renderFleet(stack(), { d1: client });
    expect(await history("alpha-notes-db-id")).toEqual(["0001_notes.sql", "0002_tags.sql"]);
    expect(await tables()).toContain("notes");
    const script = plan.resources.find((r) => r.name === "alpha-script");
    expect(script?.inputs["bindings"]).toContainEqual({ type: "d1", name: "NOTES_DB", id: "alpha-notes-db-id" });
  });
});
