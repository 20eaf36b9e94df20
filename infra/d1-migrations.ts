/**
 * A D1 database's SQL migrations (the `migrationsDir` of a manifest's `d1`
 * binding), applied remotely the way `wrangler d1 migrations apply --remote`
 * applies them (wrangler 4.79 `src/d1/migrations/apply.ts` and `helpers.ts`):
 *
 * - the history lives in the database, table `d1_migrations` (wrangler's
 *   `DEFAULT_MIGRATION_TABLE`, created with wrangler's `initMigrationsTable`
 *   columns), so wrangler and this program read and extend one history;
 * - the migrations are the directory's `*.sql` files ordered by the number
 *   before the first `_`, equal numbers by name; a file is pending when its
 *   name is not in the table;
 * - each pending file is sent as ONE query with its history row appended
 *   (`INSERT INTO d1_migrations (name) values ('<file>')`), so the file and
 *   its record succeed or fail together: a failing file is not recorded and
 *   the next run retries it (D1 runs a multi-statement query as one batch,
 *   which rolls back on error; the local D1 in test/infra/d1-migrations.test.ts shows it).
 *
 * The Cloudflare provider creates the database but applies nothing (the D1
 * resource has no migrations input), hence this step. It goes through the
 * D1 query endpoint (`POST /accounts/{account_id}/d1/database/{database_id}/query`,
 * body `{ sql }`; the endpoint wrangler's `executeSql` uses remotely) with the
 * program's rate-limited, retrying client (`cloudflare-http.ts`).
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CLOUDFLARE_API_BASE_URL, CloudflareApiError } from "./cloudflare-api.ts";
import { cloudflareFetch, type CloudflareHttpOptions } from "./cloudflare-http.ts";
import { REPO_ROOT } from "./worker-bundle.ts";

/** wrangler's default `migrations_table`. */
export const D1_MIGRATIONS_TABLE = "d1_migrations";

/** wrangler's `initMigrationsTable`, column for column. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${D1_MIGRATIONS_TABLE}(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT UNIQUE,
  applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`;

export interface D1Migration {
  /** File name, e.g. `0001_init.sql`: the row recorded in `d1_migrations`. */
  readonly name: string;
  readonly sql: string;
  /** Hex SHA-256 of `sql`, shown in plans so an edited file shows up as a diff. */
  readonly sha256: string;
}

/** By the number before the first `_` (wrangler's sort), then by name so equal numbers have one order. */
export function compareMigrationNames(a: string, b: string): number {
  const number = (name: string): number => {
    const parsed = Number.parseInt(name.split("_")[0] ?? "", 10);
    return Number.isNaN(parsed) ? Number.POSITIVE_INFINITY : parsed;
  };
  return number(a) - number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export class D1MigrationsError extends Error {
  readonly code = "ERR_D1_MIGRATIONS";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "D1MigrationsError";
  }
}

/** The migrations of `dir` (relative to the repository root), in the order they apply. */
export async function readD1Migrations(dir: string): Promise<D1Migration[]> {
  const path = resolve(REPO_ROOT, dir);
  const entries = await readdir(path, { withFileTypes: true }).catch((error: unknown) => {
    throw new D1MigrationsError(`cannot read the D1 migrations directory ${dir}: ${(error as Error).message}`, { cause: error });
  });
  const names = entries.filter((entry) => entry.isFile() && entry.name.endsWith(".sql")).map((entry) => entry.name).sort(compareMigrationNames);
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(path, name), "utf8");
      return { name, sql, sha256: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

/** One statement's result, as the D1 query endpoint returns it. */
export interface D1QueryResult {
  readonly results?: readonly Record<string, unknown>[];
  readonly success?: boolean;
}

/** What applying migrations needs from the API (a fake in tests). */
export interface D1QueryApi {
  /** Runs `sql` (one or more statements) against one database; one result per statement. */
  query(accountId: string, databaseId: string, sql: string): Promise<readonly D1QueryResult[]>;
}

export interface D1ApiOptions extends CloudflareHttpOptions {
  /** API token with "D1: Edit". */
  readonly apiToken: string;
  /** @default CLOUDFLARE_API_BASE_URL */
  readonly baseUrl?: string;
}

export function createD1Api(options: D1ApiOptions): D1QueryApi {
  const baseUrl = (options.baseUrl ?? CLOUDFLARE_API_BASE_URL).replace(/\/+$/, "");
  const request = cloudflareFetch(options);
  return {
    async query(accountId, databaseId, sql) {
      const what = `querying D1 database ${databaseId}`;
      let response: Response;
      try {
        response = await request(`${baseUrl}/accounts/${encodeURIComponent(accountId)}/d1/database/${encodeURIComponent(databaseId)}/query`, {
          method: "POST",
          headers: { authorization: `Bearer ${options.apiToken}`, "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ sql }),
        });
      } catch (error) {
        throw new CloudflareApiError(`${what}: ${baseUrl} is unreachable (${(error as Error).name})`, 0, []);
      }
      let body: { success?: boolean; errors?: { code?: number; message?: string }[]; result?: D1QueryResult[] };
      try {
        body = (await response.json()) as typeof body;
      } catch {
        throw new CloudflareApiError(`${what}: HTTP ${response.status} with a non-JSON body`, response.status, []);
      }
      if (!response.ok || body.success === false) {
        // D1's messages name the SQL error (e.g. "no such table: notes: SQLITE_ERROR"), never data.
        const messages = (body.errors ?? []).map((e) => `${e.message ?? "error"} [code: ${e.code ?? "?"}]`).join("; ");
        const codes = (body.errors ?? []).map((e) => e.code).filter((c): c is number => typeof c === "number");
        throw new CloudflareApiError(`${what}: HTTP ${response.status}${messages ? `: ${messages}` : ""}`, response.status, codes);
      }
      return body.result ?? [];
    },
  };
}

/** `'…'` with quotes doubled (SQL string literal); file names come from the repository. */
function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The names already recorded in `d1_migrations`. `create: true` creates the
 * table first, as wrangler does before applying; without it (previews) the
 * database is only read, and a database without the table has applied none.
 */
export async function appliedD1Migrations(api: D1QueryApi, accountId: string, databaseId: string, { create }: { create: boolean }): Promise<Set<string>> {
  if (create) {
    await api.query(accountId, databaseId, CREATE_TABLE);
  } else {
    const tables = await api.query(accountId, databaseId, `SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${sqlString(D1_MIGRATIONS_TABLE)}`);
    if ((tables.at(-1)?.results ?? []).length === 0) return new Set();
  }
  const results = await api.query(accountId, databaseId, `SELECT name FROM ${D1_MIGRATIONS_TABLE} ORDER BY id`);
  return new Set((results.at(-1)?.results ?? []).map((row) => String(row["name"])));
}

/**
 * Applies every migration not yet recorded, in order, each with its record
 * in the same query. Returns the names applied now. Throws
 * `D1MigrationsError` naming the database and the file that failed (the
 * files after it are not tried).
 */
export async function applyD1Migrations(api: D1QueryApi, accountId: string, databaseId: string, migrations: readonly D1Migration[], label: string): Promise<string[]> {
  const done = await appliedD1Migrations(api, accountId, databaseId, { create: true });
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    try {
      await api.query(accountId, databaseId, `${migration.sql}\nINSERT INTO ${D1_MIGRATIONS_TABLE} (name) values (${sqlString(migration.name)});`);
    } catch (error) {
      throw new D1MigrationsError(
        `${label}: migration ${migration.name} failed and was not recorded: ${(error as Error).message}. ` +
          `Fix the file and run \`pulumi up\` again${applied.length > 0 ? `; applied before it: ${applied.join(", ")}` : ""}`,
        { cause: error },
      );
    }
    applied.push(migration.name);
  }
  return applied;
}
