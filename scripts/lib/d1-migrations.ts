/**
 * A D1 database's SQL migrations, applied to a local database the way
 * `wrangler d1 migrations apply --local` applies them: every `*.sql` file of
 * the directory ordered by its number prefix (`0001_init.sql`, …; equal
 * numbers by name), each file not yet listed in the `d1_migrations` table run
 * with its row inserted in the same batch, so a failing file is rolled back
 * and recorded nowhere (wrangler's src/d1/migrations/apply.ts and helpers.ts,
 * 4.79). Using wrangler's table means `wrangler d1 migrations list` reads the
 * same history.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Miniflare } from "miniflare";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";

/** wrangler's default `migrations_table`. */
export const D1_MIGRATIONS_TABLE = "d1_migrations";

/** The local database Miniflare hands out for a D1 binding. */
export type LocalD1Database = Awaited<ReturnType<Miniflare["getD1Database"]>>;

export class D1MigrationError extends Error {
  readonly code = "ERR_D1_MIGRATION";
  constructor(
    readonly binding: string,
    /** The migration file that failed, when one did. */
    readonly file: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "D1MigrationError";
  }
}

/** The `.sql` file names of `dir`, in the order they are applied. */
export async function migrationFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile() && entry.name.endsWith(".sql")).map((entry) => entry.name);
  return names.sort(compareMigrations);
}

/** By the number before the first `_` (as wrangler sorts), then by name so equal numbers have one order. */
export function compareMigrations(a: string, b: string): number {
  const number = (name: string): number => {
    const parsed = Number.parseInt(name.split("_")[0] ?? "", 10);
    return Number.isNaN(parsed) ? Number.POSITIVE_INFINITY : parsed;
  };
  return number(a) - number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export interface AppliedMigrations {
  readonly binding: string;
  /** Files applied now, in order. */
  readonly applied: readonly string[];
  /** Files the database had already. */
  readonly skipped: number;
}

/**
 * Applies the not yet applied migrations of `dir` (relative to the repository
 * root) to `db`. Throws `D1MigrationError` naming the binding and the file.
 */
export async function applyD1Migrations(db: LocalD1Database, binding: string, dir: string): Promise<AppliedMigrations> {
  const path = resolve(REPO_ROOT, dir);
  const files = await migrationFiles(path).catch((err: unknown) => {
    throw new D1MigrationError(binding, undefined, `D1 ${binding}: cannot read its migrations directory ${dir}: ${(err as Error).message}`, { cause: err });
  });
  // wrangler's initMigrationsTable, column for column.
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS ${D1_MIGRATIONS_TABLE}(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    )
    .run();
  const done = new Set((await db.prepare(`SELECT name FROM ${D1_MIGRATIONS_TABLE}`).all<{ name: string }>()).results.map((row) => row.name));
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = await readFile(join(path, file), "utf8");
    try {
      // One batch is one transaction: the file's statements and its ledger row commit together or not at all.
      await db.batch([db.prepare(sql), db.prepare(`INSERT INTO ${D1_MIGRATIONS_TABLE} (name) VALUES (?1)`).bind(file)]);
    } catch (err) {
      throw new D1MigrationError(binding, file, `D1 ${binding}: migration ${dir}/${file} failed and was rolled back: ${(err as Error).message}`, { cause: err });
    }
    applied.push(file);
  }
  return { binding, applied, skipped: files.length - applied.length };
}
