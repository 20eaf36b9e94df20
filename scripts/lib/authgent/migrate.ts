/**
 * Moves an authgent-server database from SQLite to PostgreSQL without losing
 * a client or a key: `npm run authgent-migrate` (scripts/authgent-migrate.ts).
 *
 * The copy itself is ./migrate.py, run with the pinned server's venv, so it
 * uses the server's own table definitions and column types. This module
 * checks and normalises the two URLs, hands them over in the environment,
 * and turns the program's JSON answer into a result or a typed error.
 * Passwords never reach a message: every text that leaves here went through
 * `redactDatabaseUrl` or has the password cut out.
 */
import { access, constants } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AUTHGENT_POSTGRES_SCHEME, AUTHGENT_POSTGRES_URL_FORM, hasUtcSessionOption, redactDatabaseUrl, UTC_SESSION_OPTIONS } from "../../../infra/authgent/postgres-url.ts";
import { CodedError } from "../coded-error.ts";
import { runCommand } from "../run-command.ts";
import type { AuthgentVenv } from "./venv.ts";

const PROGRAM = fileURLToPath(new URL("./migrate.py", import.meta.url));
/** How long the copy may take, milliseconds. Small databases take seconds; this is a hang guard. @default 30 min */
const MIGRATE_TIMEOUT_MS = 30 * 60_000;

export type AuthgentMigrateCode =
  /** `--from` is not a SQLite file path or URL, or the file is missing. */
  | "ERR_MIGRATE_BAD_SOURCE"
  /** `--to` is not a Postgres URL with a host and a database. */
  | "ERR_MIGRATE_BAD_TARGET"
  /** The source is not an authgent-server database. */
  | "ERR_MIGRATE_SOURCE_NOT_AUTHGENT"
  /** The source has tables or columns the pinned release does not know: copying would lose them. */
  | "ERR_MIGRATE_SOURCE_SCHEMA"
  /** The target already holds rows, and `replaceTarget` was not given. */
  | "ERR_MIGRATE_TARGET_NOT_EMPTY"
  /** Row counts differed after the copy (nothing was committed). */
  | "ERR_MIGRATE_COUNT_MISMATCH"
  /** A database could not be opened or refused a statement. */
  | "ERR_MIGRATE_DATABASE"
  /** The program did not answer as expected. */
  | "ERR_MIGRATE_FAILED";

export class AuthgentMigrateError extends CodedError<AuthgentMigrateCode> {
  constructor(
    code: AuthgentMigrateCode,
    message: string,
    /** Rows per table, for ERR_MIGRATE_TARGET_NOT_EMPTY. */
    readonly rows: Readonly<Record<string, number>> = {},
  ) {
    super(code, message);
  }
}

/** A source, ready for the copy. */
export interface MigrationSource {
  /** Absolute path of the SQLite file. */
  readonly file: string;
  /** SQLAlchemy URL opening it read-only (SQLite URI `mode=ro`). */
  readonly url: string;
}

/** A target, ready for the copy. */
export interface MigrationTarget {
  /** The SQLAlchemy URL the copy connects with (psycopg, sessions in UTC). */
  readonly url: string;
  /** The same without the password, for output. */
  readonly display: string;
  /** The password as given (decoded), to cut out of any text that could echo it. */
  readonly password: string;
}

/**
 * `--from`: a SQLite file path (relative to `cwd`), or the server's own URL
 * forms `sqlite+aiosqlite:////abs/path.db` and `sqlite:////abs/path.db`.
 * @throws AuthgentMigrateError ERR_MIGRATE_BAD_SOURCE
 */
export async function parseMigrationSource(input: string, cwd: string = process.cwd()): Promise<MigrationSource> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(input)?.[1]?.toLowerCase();
  let file: string;
  if (scheme === undefined || input.length <= 2 || /^[A-Za-z]:[\\/]/.test(input)) {
    file = resolve(cwd, input);
  } else if (scheme === "sqlite" || scheme === "sqlite+aiosqlite") {
    // SQLAlchemy: sqlite:///relative.db, sqlite:////absolute.db (the server's form).
    const path = /^[^:]+:\/\/\/(.+)$/.exec(input)?.[1];
    if (!path) throw new AuthgentMigrateError("ERR_MIGRATE_BAD_SOURCE", `--from ${input} names no file; write a path, or sqlite+aiosqlite:////absolute/path/authgent.db`);
    file = isAbsolute(path) ? path : resolve(cwd, path);
  } else {
    throw new AuthgentMigrateError(
      "ERR_MIGRATE_BAD_SOURCE",
      `--from must be the SQLite database (a file path or sqlite+aiosqlite:////absolute/path/authgent.db), not ${scheme}://…`,
    );
  }
  try {
    await access(file, constants.R_OK);
  } catch {
    throw new AuthgentMigrateError("ERR_MIGRATE_BAD_SOURCE", `--from: no readable SQLite file at ${file}`);
  }
  // SQLite URI filename (sqlite.org/uri.html): mode=ro, so the copy can never write to the source.
  return { file, url: `sqlite:///file:${encodeURI(file).replace(/\?/g, "%3F").replace(/#/g, "%23")}?mode=ro&uri=true` };
}

/** Schemes that name a Postgres database; the copy always connects with psycopg. */
const POSTGRES_SCHEMES = new Set(["postgres", "postgresql", "postgresql+psycopg", "postgresql+asyncpg", "postgresql+psycopg2"]);

/**
 * `--to`: a Postgres URL. Any driver suffix is accepted (the URL only names
 * the database; an old `postgresql+asyncpg://` from the stack config works),
 * the copy runs with psycopg and `options=-c TimeZone=UTC` added when the
 * URL has no `options` of its own.
 * @throws AuthgentMigrateError ERR_MIGRATE_BAD_TARGET (the message never holds the password)
 */
export function parseMigrationTarget(input: string): MigrationTarget {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(input)?.[1]?.toLowerCase();
  const form = `write ${AUTHGENT_POSTGRES_URL_FORM}`;
  if (scheme === undefined || !POSTGRES_SCHEMES.has(scheme)) {
    throw new AuthgentMigrateError("ERR_MIGRATE_BAD_TARGET", `--to must be a PostgreSQL URL${scheme ? `, not ${scheme}://…` : ""}; ${form}`);
  }
  let url: URL;
  try {
    url = new URL(`${AUTHGENT_POSTGRES_SCHEME}://${input.slice(scheme.length + 3)}`);
  } catch {
    throw new AuthgentMigrateError("ERR_MIGRATE_BAD_TARGET", `--to ${redactDatabaseUrl(input)} is not a valid URL; ${form} (percent-encode special characters in the password)`);
  }
  const password = safeDecode(url.password);
  const display = redactDatabaseUrl(url.href);
  if (!url.hostname) throw new AuthgentMigrateError("ERR_MIGRATE_BAD_TARGET", `--to ${display} names no host; ${form}`);
  if (url.pathname.length <= 1) throw new AuthgentMigrateError("ERR_MIGRATE_BAD_TARGET", `--to ${display} names no database; ${form}`);
  if (!url.searchParams.has("options")) url.searchParams.set("options", UTC_SESSION_OPTIONS);
  else if (!hasUtcSessionOption(url)) {
    throw new AuthgentMigrateError("ERR_MIGRATE_BAD_TARGET", `--to ${display}: its options must include -c TimeZone=UTC (authgent-server's timestamps are UTC); ${form}`);
  }
  // URLSearchParams writes spaces as "+", which libpq's options would keep literally.
  const href = url.href.replace(/([?&]options=)([^&]*)/, (_, key: string, value: string) => key + value.replace(/\+/g, "%20"));
  return { url: href, display: redactDatabaseUrl(href), password };
}

export interface MigrateOptions {
  readonly venv: AuthgentVenv;
  readonly source: MigrationSource;
  readonly target: MigrationTarget;
  /** Delete the rows a non-empty target holds before copying. @default false */
  readonly replaceTarget?: boolean;
}

export interface MigrateResult {
  /** Every table copied, in foreign-key order, with its row count (equal in source and target). */
  readonly tables: readonly { readonly name: string; readonly rows: number }[];
  /** Rows per table the target held and that were deleted (only with `replaceTarget`). */
  readonly replaced: Readonly<Record<string, number>>;
}

/**
 * Copies every table in one target transaction, then checks the row counts.
 * @throws AuthgentMigrateError with the program's code; nothing is committed on any error.
 */
export async function migrateAuthgentDatabase(options: MigrateOptions): Promise<MigrateResult> {
  const { venv, source, target } = options;
  const env = {
    ...process.env,
    AUTHGENT_MIGRATE_FROM: source.url,
    AUTHGENT_MIGRATE_TO: target.url,
    AUTHGENT_MIGRATE_REPLACE: options.replaceTarget ? "1" : "0",
  };
  const { code, stdout, stderr } = await runCommand(venv.python, [PROGRAM], { env, timeout: MIGRATE_TIMEOUT_MS });
  const scrub = (text: string) => scrubPassword(text, target.password);
  const answer = lastJsonLine(stdout);
  if (answer === undefined) {
    throw new AuthgentMigrateError("ERR_MIGRATE_FAILED", `the migration program exited ${code} without an answer: ${scrub(stderr.slice(-2000))}`);
  }
  if (answer.ok === true && code === 0) {
    return { tables: answer.tables as MigrateResult["tables"], replaced: (answer.replaced ?? {}) as Record<string, number> };
  }
  const known: readonly AuthgentMigrateCode[] = [
    "ERR_MIGRATE_SOURCE_NOT_AUTHGENT",
    "ERR_MIGRATE_SOURCE_SCHEMA",
    "ERR_MIGRATE_TARGET_NOT_EMPTY",
    "ERR_MIGRATE_COUNT_MISMATCH",
    "ERR_MIGRATE_DATABASE",
  ];
  const errorCode = known.find((c) => c === answer.code) ?? "ERR_MIGRATE_FAILED";
  const message = scrub(typeof answer.message === "string" ? answer.message : `the migration program exited ${code}`);
  if (errorCode === "ERR_MIGRATE_TARGET_NOT_EMPTY") {
    const rows = (answer.rows ?? {}) as Record<string, number>;
    const list = Object.entries(rows).map(([table, count]) => `${table}: ${count}`).join(", ");
    throw new AuthgentMigrateError(
      errorCode,
      `${target.display} already holds authgent data (${list}); nothing was copied. A server started on it made its own signing key: use an empty database, or pass --replace-target to delete those rows and copy`,
      rows,
    );
  }
  if (errorCode === "ERR_MIGRATE_COUNT_MISMATCH") {
    throw new AuthgentMigrateError(errorCode, `${message}: ${JSON.stringify(answer.tables)} (was the source server still running?)`);
  }
  throw new AuthgentMigrateError(errorCode, message);
}

/** Cuts the password, raw and percent-encoded, out of `text`. */
export function scrubPassword(text: string, password: string): string {
  if (!password) return text;
  let scrubbed = text;
  for (const form of new Set([password, encodeURIComponent(password)])) scrubbed = scrubbed.split(form).join("***");
  return scrubbed;
}

function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.trim().split("\n").at(-1);
  if (!line) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    if (error instanceof URIError) return text;
    throw error;
  }
}
