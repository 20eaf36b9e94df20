/**
 * The argument side of `npm run authgent-migrate` (scripts/authgent-migrate.ts,
 * scripts/lib/authgent/migrate.ts) and the shared Postgres URL rules
 * (infra/authgent/postgres-url.ts), without a database: which URLs are
 * accepted and how they are normalised, what bad ones are told, and that no
 * message carries a password. The copy itself runs against the real server
 * in test/interop/authgent-migrate.test.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authgentPostgresUrl, hasUtcSessionOption, redactDatabaseUrl } from "../../infra/authgent/postgres-url.ts";
import { runAuthgentMigrate } from "../../scripts/authgent-migrate.ts";
import { AuthgentMigrateError, parseMigrationSource, parseMigrationTarget, scrubPassword } from "../../scripts/lib/authgent/migrate.ts";

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as AuthgentMigrateError;
  }
  throw new Error("expected an error");
};

describe("the Postgres URL authgent-server runs on", () => {
  it("is psycopg with the session in UTC, userinfo percent-encoded", () => {
    expect(authgentPostgresUrl({ host: "db", port: 5432, database: "authgent", user: "authgent", password: "p@ss/word" })).toBe(
      "postgresql+psycopg://authgent:p%40ss%2Fword@db:5432/authgent?options=-c%20TimeZone%3DUTC",
    );
    expect(authgentPostgresUrl({ host: "127.0.0.1", port: 6000, database: "x", user: "postgres" })).toBe("postgresql+psycopg://postgres@127.0.0.1:6000/x?options=-c%20TimeZone%3DUTC");
  });

  it.each([
    ["?options=-c%20TimeZone%3DUTC", true],
    ["?options=-c%20timezone%3Dutc", true],
    ["?options=-c%20TimeZone%3DEtc/UTC", true],
    ["?options=--TimeZone%3DUTC", true],
    ["?sslmode=require&options=-c%20statement_timeout%3D5000%20-c%20TimeZone%3DUTC", true],
    ["", false],
    ["?options=-c%20TimeZone%3DEurope/Berlin", false],
    ["?options=-c%20TimeZone%3DUTC2", false],
  ])("query %s sets UTC: %s", (query, utc) => {
    expect(hasUtcSessionOption(new URL(`postgresql+psycopg://u@h/db${query}`))).toBe(utc);
  });

  it("is printed without its password", () => {
    expect(redactDatabaseUrl("postgresql+psycopg://u:p%40ss@h:5432/db?options=x")).toBe("postgresql+psycopg://u:***@h:5432/db?options=x");
    expect(redactDatabaseUrl("postgresql://u@h/db")).toBe("postgresql://u@h/db");
    expect(redactDatabaseUrl("sqlite+aiosqlite:////data/authgent.db")).toBe("sqlite+aiosqlite:////data/authgent.db");
  });
});

describe("authgent-migrate --to", () => {
  it("connects with psycopg in UTC whatever Postgres form it is given, keeping other parameters", () => {
    expect(parseMigrationTarget("postgres://u:pw@db:5432/authgent").url).toBe("postgresql+psycopg://u:pw@db:5432/authgent?options=-c%20TimeZone%3DUTC");
    // The form the stack config held before psycopg: the address is what counts.
    expect(parseMigrationTarget("postgresql+asyncpg://u:pw@db/authgent").url).toBe("postgresql+psycopg://u:pw@db/authgent?options=-c%20TimeZone%3DUTC");
    expect(parseMigrationTarget("postgresql://u:pw@db/authgent?sslmode=require").url).toBe("postgresql+psycopg://u:pw@db/authgent?sslmode=require&options=-c%20TimeZone%3DUTC");
    const given = "postgresql+psycopg://u:pw@db/authgent?options=-c%20TimeZone%3DUTC";
    expect(parseMigrationTarget(given).url).toBe(given);
  });

  it("knows the password only to hide it", () => {
    const target = parseMigrationTarget("postgresql://u:p%40ss%2Fword@db/authgent");
    expect(target.password).toBe("p@ss/word");
    expect(target.display).toBe("postgresql+psycopg://u:***@db/authgent?options=-c%20TimeZone%3DUTC");
    expect(scrubPassword("failed for p@ss/word and p%40ss%2Fword", target.password)).toBe("failed for *** and ***");
  });

  it.each([
    ["mysql://u:hunter2@db/authgent", "--to must be a PostgreSQL URL, not mysql://…; write postgresql+psycopg://"],
    ["db.internal:5432/authgent", "--to must be a PostgreSQL URL; write postgresql+psycopg://"],
    ["postgresql://u:hunter2@db:5432", "--to postgresql+psycopg://u:***@db:5432 names no database"],
    ["postgresql://u:hunter2@db/authgent?options=-c%20TimeZone%3DEurope/Berlin", "its options must include -c TimeZone=UTC"],
    ["postgresql://u:hunter2@db:99999/authgent", "is not a valid URL"],
  ])("refuses %s with ERR_MIGRATE_BAD_TARGET, never echoing the password", (url, message) => {
    const error = failure(() => parseMigrationTarget(url));
    expect(error).toBeInstanceOf(AuthgentMigrateError);
    expect(error.code).toBe("ERR_MIGRATE_BAD_TARGET");
    expect(error.message).toContain(message);
    expect(error.message).not.toContain("hunter2");
  });
});

describe("authgent-migrate --from", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "authgent-migrate-test-"));
    file = join(dir, "authgent.db");
    await writeFile(file, "");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes a path (relative to the cwd) or the server's own SQLite URL, and opens it read-only", async () => {
    const expected = { file, url: `sqlite:///file:${file}?mode=ro&uri=true` };
    expect(await parseMigrationSource(file)).toEqual(expected);
    expect(await parseMigrationSource("authgent.db", dir)).toEqual(expected);
    expect(await parseMigrationSource(`sqlite+aiosqlite:///${file}`)).toEqual(expected);
    expect(await parseMigrationSource(`sqlite:///${file}`)).toEqual(expected);
  });

  it.each([
    ["postgresql://u:pw@db/authgent", "--from must be the SQLite database (a file path or sqlite+aiosqlite:////absolute/path/authgent.db), not postgresql://…"],
    ["sqlite+aiosqlite://", "names no file"],
  ])("refuses %s", async (input, message) => {
    await expect(parseMigrationSource(input)).rejects.toMatchObject({ code: "ERR_MIGRATE_BAD_SOURCE", message: expect.stringContaining(message) });
  });

  it("refuses a file that is not there, naming the absolute path it looked at", async () => {
    await expect(parseMigrationSource("missing.db", dir)).rejects.toMatchObject({ code: "ERR_MIGRATE_BAD_SOURCE", message: `--from: no readable SQLite file at ${join(dir, "missing.db")}` });
  });
});

describe("authgent-migrate's command line", () => {
  const run = async (argv: readonly string[], env: NodeJS.ProcessEnv = {}) => {
    let stdout = "";
    let stderr = "";
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
    const code = await runAuthgentMigrate(argv, io, () => Promise.reject(new Error("no venv needed for usage errors")), env);
    return { code, stdout, stderr };
  };

  it("answers --help with its usage, exit 0", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("--from <file|URL>");
    expect(stdout).toContain("--replace-target");
  });

  it.each([
    [["--to", "postgresql://u:pw@db/a"], "--from is required"],
    [["--from", "x.db"], "--to (or --to-env) is required"],
    [["--from", "x.db", "--to", "postgresql://u:pw@db/a", "--to-env", "URL"], "give --to or --to-env, not both"],
    [["--from", "x.db", "--to-env", "AUTHGENT_UNSET_URL"], "--to-env AUTHGENT_UNSET_URL: that environment variable is not set or empty"],
    [["--from"], "--from"],
    [["--from", "x.db", "--to", "postgresql://u:pw@db/a", "extra"], "Unexpected argument"],
    [["--form", "x.db"], "Unknown option '--form'"],
  ])("exits 2 on %j (%s)", async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("reads --to from the variable --to-env names, and checks it like --to", async () => {
    const { code, stderr } = await run(["--from", "/nonexistent/authgent.db", "--to-env", "TARGET"], { TARGET: "postgresql://u:hunter2@db/a" });
    expect(code).toBe(2);
    expect(stderr).toContain("--from: no readable SQLite file");
    expect(stderr).not.toContain("hunter2");
    const bad = await run(["--from", "x.db", "--to-env", "TARGET"], { TARGET: "mysql://u:hunter2@db/a" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--to must be a PostgreSQL URL, not mysql://");
    expect(bad.stderr).not.toContain("hunter2");
  });

  it("exits 2 on a bad URL without printing its password", async () => {
    const { code, stderr } = await run(["--from", "/nonexistent/authgent.db", "--to", "postgresql://u:hunter2@db/a"]);
    expect(code).toBe(2);
    expect(stderr).toContain("no readable SQLite file at /nonexistent/authgent.db");
    const other = await run(["--from", "x.db", "--to=mysql://u:hunter2@db/a", "--bogus=postgresql://u:hunter2@h/d"]);
    expect(other.code).toBe(2);
    expect(other.stderr).not.toContain("hunter2");
  });
});
