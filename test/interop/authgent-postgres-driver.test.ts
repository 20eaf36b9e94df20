/**
 * Which Postgres URL authgent-server 0.3.4 can run on (infra/authgent/postgres-url.ts):
 * - asyncpg (`postgresql+asyncpg://`, the package's `[postgres]` extra) cannot
 *   store a row: the server writes timezone-aware datetimes into
 *   `TIMESTAMP WITHOUT TIME ZONE` columns, which asyncpg refuses, so the
 *   first start dies inserting its signing key;
 * - psycopg 3 (`postgresql+psycopg://`) runs, but stores those datetimes in
 *   the session's time zone: only with `options=-c TimeZone=UTC` do they
 *   mean what the server reads them as (UTC). The shared test cluster runs
 *   in America/New_York to show it.
 */
import { expect, it } from "vitest";
import { databaseUrlProblem, POSTGRES, postgresUrl } from "../../infra/authgent/database.ts";
import { authgentPostgresUrl } from "../../infra/authgent/postgres-url.ts";
import { AuthgentSetupError } from "../../scripts/lib/authgent/errors.ts";
import { replicaEnv } from "../support/authgent/cli.ts";
import { startAuthgent } from "../support/authgent/server.ts";
import { DEFAULT_TIME_ZONE, SUPERUSER } from "../support/postgres/cluster.ts";
import { authgentVenv, describeWithAuthgentPostgres, freshDatabase, postgres } from "../support/postgres/use-postgres.ts";

describeWithAuthgentPostgres("authgent-server 0.3.4's Postgres drivers", () => {
  const address = (database: string) => {
    const { host, port } = postgres().info;
    return { host, port, database, user: SUPERUSER };
  };
  /** Seconds between the first key's stored `created_at`, read as UTC the way the server does, and now. */
  const keyAgeSeconds = async (database: string) =>
    Number(await postgres().query(database, "SELECT round(extract(epoch FROM (now() AT TIME ZONE 'UTC') - created_at)) FROM signing_keys"));

  it("asyncpg: the first start fails storing its signing key (aware datetime into TIMESTAMP WITHOUT TIME ZONE)", async () => {
    const database = await freshDatabase("driver_asyncpg");
    const { host, port } = address(database);
    const url = `postgresql+asyncpg://${SUPERUSER}@${host}:${port}/${database}`;
    const failure = await startAuthgent({ venv: authgentVenv(), env: replicaEnv(url) }).then(
      async (server) => {
        await server.dispose();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AuthgentSetupError);
    const message = (failure as AuthgentSetupError).message;
    expect(message).toContain("can't subtract offset-naive and offset-aware datetimes");
    expect(message).toContain("INSERT INTO signing_keys");
    // The tables were created; the key never was.
    expect(await postgres().query(database, "SELECT count(*) FROM signing_keys")).toBe("0");
  });

  it(`psycopg without TimeZone=UTC: timestamps are stored in the session's zone (${DEFAULT_TIME_ZONE}), hours off`, async () => {
    const database = await freshDatabase("driver_psycopg_local");
    const url = authgentPostgresUrl(address(database)).replace(/\?.*$/, "");
    const server = await startAuthgent({ venv: authgentVenv(), env: replicaEnv(url) });
    await server.dispose();
    // New York is 4 or 5 hours behind UTC: a key made just now looks 4–5 hours old.
    expect(Math.abs(await keyAgeSeconds(database))).toBeGreaterThanOrEqual(4 * 3600 - 60);
  });

  it("psycopg with options=-c TimeZone=UTC: the key is stored at the UTC time it was made", async () => {
    const database = await freshDatabase("driver_psycopg_utc");
    const url = authgentPostgresUrl(address(database));
    expect(url).toContain("?options=-c%20TimeZone%3DUTC");
    const server = await startAuthgent({ venv: authgentVenv(), env: replicaEnv(url) });
    await server.dispose();
    expect(Math.abs(await keyAgeSeconds(database))).toBeLessThan(120);
  });

  it("the URL the Docker target gives authgent-server for its Postgres container (postgresUrl) runs the real server", async () => {
    // The container's user and database, with a password that needs percent-encoding (trust auth ignores it here).
    await postgres().query("postgres", `CREATE ROLE ${POSTGRES.user} LOGIN PASSWORD 'p@ss/word'`);
    await postgres().createDatabase(POSTGRES.database);
    await postgres().query("postgres", `ALTER DATABASE ${POSTGRES.database} OWNER TO ${POSTGRES.user}`);
    const url = new URL(postgresUrl("127.0.0.1", "p@ss/word"));
    expect(databaseUrlProblem(url.href)).toBeUndefined();
    url.port = String(postgres().info.port);
    const server = await startAuthgent({ venv: authgentVenv(), env: replicaEnv(url.href) });
    try {
      const app = await server.registerClient({ client_name: "docker-target-url" });
      expect((await server.clientCredentialsToken({ client: app })).access_token).toMatch(/^ey/);
    } finally {
      await server.dispose();
    }
    expect(Math.abs(await keyAgeSeconds(POSTGRES.database))).toBeLessThan(120);
  });
});
