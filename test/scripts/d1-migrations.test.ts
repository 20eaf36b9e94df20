/** Local D1 migrations: wrangler's order and table, one transaction per file, nothing applied twice. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { applyD1Migrations, D1MigrationError } from "../../scripts/lib/d1-migrations.ts";

let mf: Miniflare;
let dir: string;

beforeAll(async () => {
  mf = new Miniflare({ modules: true, script: "export default { fetch() { return new Response(null) } }", d1Databases: { DB: "test-db" }, compatibilityDate: "2026-03-01" });
  dir = await mkdtemp(join(tmpdir(), "d1-migrations-"));
});
afterAll(async () => {
  await mf?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("applyD1Migrations", () => {
  it("applies each pending .sql file once in the deploy's order, records it in d1_migrations, and rolls back a failing file without recording it", async () => {
    const db = await mf.getD1Database("DB");
    const migrations = join(dir, "app");
    await mkdir(migrations);
    await writeFile(join(migrations, "README.md"), "not a migration");
    await writeFile(join(migrations, "0001_init.sql"), "-- two statements, a comment and a ';' in a string\nCREATE TABLE t (v TEXT DEFAULT 'a;b');\nINSERT INTO t DEFAULT VALUES;\n");
    const rel = relative(REPO_ROOT, migrations);
    expect(await applyD1Migrations(db, "DB", rel)).toEqual({ binding: "DB", applied: ["0001_init.sql"], skipped: 0 });
    expect(await applyD1Migrations(db, "DB", rel)).toEqual({ binding: "DB", applied: [], skipped: 1 });

    await writeFile(join(migrations, "0002_broken.sql"), "CREATE TABLE half (x TEXT);\nINSERT INTO missing VALUES (1);\n");
    const failure = await applyD1Migrations(db, "DB", rel).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(D1MigrationError);
    expect((failure as D1MigrationError).file).toBe("0002_broken.sql");
    expect((failure as Error).message).toContain(`D1 DB: migration ${rel}/0002_broken.sql failed and was rolled back: `);
    expect((failure as Error).message).toContain("no such table: missing");
    // Rolled back: neither the table of its first statement nor its record exists.
    expect(await db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").first()).toBeNull();
    const { results } = await db.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
    expect(results.map((r) => r.name)).toEqual(["0001_init.sql"]);
    expect(await db.prepare("SELECT v FROM t").first()).toEqual({ v: "a;b" });
  });

  it("names the binding and directory when the directory is missing", async () => {
    const db = await mf.getD1Database("DB");
    await expect(applyD1Migrations(db, "DB", "no/such/dir")).rejects.toThrow("D1 DB: cannot read the D1 migrations directory no/such/dir: ");
  });
});
