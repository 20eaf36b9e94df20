/**
 * `npm run authgent-migrate -- --from <sqlite file or URL> (--to <postgres URL> | --to-env <VAR>) [--replace-target]`
 *
 * Moves an authgent-server database from SQLite to PostgreSQL: every table
 * of the pinned release (clients, signing keys, refresh tokens, consents,
 * codes, agents, audit log, ...), in one transaction, row counts checked.
 * The core is scripts/lib/authgent/migrate.ts; this file only parses
 * arguments and prints. Passwords in `--to` are never printed.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { AUTHGENT_POSTGRES_URL_FORM } from "../infra/authgent/postgres-url.ts";
import { AuthgentSetupError } from "./lib/authgent/errors.ts";
import { AuthgentMigrateError, migrateAuthgentDatabase, parseMigrationSource, parseMigrationTarget } from "./lib/authgent/migrate.ts";
import { ensureAuthgentVenv, type AuthgentVenv } from "./lib/authgent/venv.ts";

export const USAGE = `usage: npm run authgent-migrate -- --from <sqlite file or URL> (--to <postgres URL> | --to-env <VAR>) [--replace-target]

Copies every table of an authgent-server database from SQLite to PostgreSQL
(clients, signing keys, refresh tokens, consents, ...), in one transaction,
and checks that every table has as many rows in the target as in the source.
Stop the server that writes the SQLite file first.
  --from <file|URL>   the SQLite database: a file path, or sqlite+aiosqlite:////absolute/path/authgent.db
  --to <URL>          the PostgreSQL database: ${AUTHGENT_POSTGRES_URL_FORM}
                      (any postgresql:// form works; -c TimeZone=UTC is added when options are absent)
  --to-env <VAR>      read that URL from the environment variable VAR instead, so its password is not in
                      the command line (shell history, ps)
  --replace-target    delete the authgent rows the target already holds (e.g. the signing key a
                      server started on it created) before copying; without it a non-empty target is refused
  -h, --help          this text
The Postgres deployment must run with the same AUTHGENT_SECRET_KEY: the signing keys are copied encrypted with it.
Exit codes: 0 copied, 1 refused or failed (nothing committed), 2 bad usage.
`;

export interface MigrateIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Runs the command; returns the exit code. Never throws for user errors. */
export async function runAuthgentMigrate(
  argv: readonly string[],
  io: MigrateIo,
  venv: () => Promise<AuthgentVenv> = () => ensureAuthgentVenv({ log: (line) => io.stderr.write(`${line}\n`) }),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let values: { from?: string | undefined; to?: string | undefined; "to-env"?: string | undefined; "replace-target"?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { from: { type: "string" }, to: { type: "string" }, "to-env": { type: "string" }, "replace-target": { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // parseArgs quotes the offending argument; a URL with a password could be one.
    io.stderr.write(`authgent-migrate: ${(err as Error).message.replace(/\/\/[^@\s'"]*@/g, "//***@")}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (values.to !== undefined && values["to-env"] !== undefined) {
    io.stderr.write(`authgent-migrate: give --to or --to-env, not both\n\n${USAGE}`);
    return 2;
  }
  const toEnv = values["to-env"];
  const to = toEnv === undefined ? values.to : env[toEnv];
  if (toEnv !== undefined && !to) {
    io.stderr.write(`authgent-migrate: --to-env ${toEnv}: that environment variable is not set or empty\n`);
    return 2;
  }
  if (!values.from || !to) {
    io.stderr.write(`authgent-migrate: ${!values.from ? "--from" : "--to (or --to-env)"} is required\n\n${USAGE}`);
    return 2;
  }
  let source;
  let target;
  try {
    target = parseMigrationTarget(to);
    source = await parseMigrationSource(values.from);
  } catch (error) {
    if (!(error instanceof AuthgentMigrateError)) throw error;
    io.stderr.write(`authgent-migrate: ${error.message}\n`);
    return 2;
  }
  try {
    io.stderr.write(`Copying ${source.file} to ${target.display} ...\n`);
    const result = await migrateAuthgentDatabase({ venv: await venv(), source, target, replaceTarget: values["replace-target"] === true });
    const replaced = Object.entries(result.replaced);
    if (replaced.length > 0) io.stdout.write(`Deleted from the target first: ${replaced.map(([table, rows]) => `${table} ${rows}`).join(", ")}\n`);
    const width = Math.max(...result.tables.map((table) => table.name.length));
    io.stdout.write(`Copied, row counts equal in source and target:\n${result.tables.map((table) => `  ${table.name.padEnd(width)}  ${table.rows}`).join("\n")}\n`);
    io.stdout.write("Start authgent-server on the target with the same AUTHGENT_SECRET_KEY and AUTHGENT_SERVER_URL as before.\n");
    return 0;
  } catch (error) {
    if (error instanceof AuthgentMigrateError || error instanceof AuthgentSetupError) {
      io.stderr.write(`authgent-migrate: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runAuthgentMigrate(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}
