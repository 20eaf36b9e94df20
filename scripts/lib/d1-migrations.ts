/**
 * A D1 database's SQL migrations, applied to a local database the way
 * `wrangler d1 migrations apply --local` applies them: the files and their
 * order are the deploy's (`readD1Migrations`: number prefix, then name), each
 * file not yet listed in the `d1_migrations` table runs with its row inserted
 * in the same batch, so a failing file is rolled back and recorded nowhere
 * (wrangler's src/d1/migrations/apply.ts and helpers.ts, 4.79). Using
 * wrangler's table means `wrangler d1 migrations list` reads the same history.
 */
import type { Miniflare } from "miniflare";
import { D1_MIGRATIONS_TABLE, readD1Migrations } from "../../infra/d1-migrations.ts";

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
  const files = await readD1Migrations(dir).catch((err: unknown) => {
    throw new D1MigrationError(binding, undefined, `D1 ${binding}: ${(err as Error).message}`, { cause: err });
  });
  // wrangler's initMigrationsTable, column for column.
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS ${D1_MIGRATIONS_TABLE}(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    )
    .run();
  const done = new Set((await db.prepare(`SELECT name FROM ${D1_MIGRATIONS_TABLE}`).all<{ name: string }>()).results.map((row) => row.name));
  const applied: string[] = [];
  for (const { name: file, sql } of files) {
    if (done.has(file)) continue;
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
