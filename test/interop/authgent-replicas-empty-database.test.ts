/**
 * What two authgent-server 0.3.4 replicas do when they start at the same
 * moment on an EMPTY PostgreSQL database, and what makes that safe. Pinned
 * so that a release that changes it fails here (docs/authgent.md, "What two
 * replicas do on an empty database").
 *
 * Each process, on every start (app.py `lifespan`), runs
 * `Base.metadata.create_all` (check each table, then CREATE the missing
 * ones, in one transaction) and then `JWKSService.get_active_key`
 * (services/jwks_service.py: SELECT the `active` key, INSERT a new one if
 * there is none; no lock, no unique constraint on `status`). Two processes
 * racing through either check-then-act step collide. Run freely, both
 * collisions and the harmless outcome all occur; here each race is made
 * certain by holding both processes at the step's start with a lock and
 * releasing them together, which changes when they run, not what they do.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { authgentPostgresUrl } from "../../infra/authgent/postgres-url.ts";
import { SCOPES } from "../../worker/bindings.ts";
import { AuthgentSetupError } from "../../scripts/lib/authgent/errors.ts";
import { createAuthgentClient } from "../support/authgent/client.ts";
import { createAuthgentTables, replicaEnv, runInVenv } from "../support/authgent/cli.ts";
import { startAuthgentReplicas, type AuthgentReplicas } from "../support/authgent/replicas.ts";
import { startAuthgent } from "../support/authgent/server.ts";
import { SUPERUSER, type PsqlSession } from "../support/postgres/cluster.ts";
import { authgentVenv, describeWithAuthgentPostgres, freshDatabase, postgres } from "../support/postgres/use-postgres.ts";

/** The key fix docs/authgent.md gives: keep the newest active key, retire the others (they stay in the JWKS). */
const RETIRE_EXTRA_ACTIVE_KEYS =
  "UPDATE signing_keys SET status = 'rotated', rotated_at = now() AT TIME ZONE 'UTC' WHERE status = 'active' AND kid <> (SELECT kid FROM signing_keys WHERE status = 'active' ORDER BY created_at DESC, kid LIMIT 1)";

describeWithAuthgentPostgres("two replicas starting at the same moment on an empty database (authgent-server 0.3.4)", () => {
  const open: AuthgentReplicas[] = [];
  const sessions: PsqlSession[] = [];
  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.close()));
    await Promise.all(open.map((replicas) => replicas.dispose()));
  });

  const urlOf = (database: string) => {
    const { host, port } = postgres().info;
    return authgentPostgresUrl({ host, port, database, user: SUPERUSER });
  };
  const activeKeys = async (database: string) => Number(await postgres().query(database, "SELECT count(*) FROM signing_keys WHERE status = 'active'"));
  /**
   * Resolves once `count` backends wait for a lock matching `where` in `database` (pg_locks is
   * cluster-wide, and other files use the same cluster: only this database's ungranted locks count).
   */
  const waiters = async (database: string, where: string, count: number) => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const sql = `SELECT count(*) FROM pg_locks l WHERE NOT l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND ${where}`;
      const waiting = Number(await postgres().query(database, sql));
      if (waiting >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${waiting} of ${count} replicas reached the lock`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const start = (databaseUrl: string) => {
    const started = startAuthgentReplicas({ venv: authgentVenv(), databaseUrl, simultaneous: true });
    void started.then((replicas) => open.push(replicas), () => undefined);
    return started;
  };
  const mint = async (origin: string, client: { client_id: string; client_secret: string }) =>
    fetch(`${origin}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.client_id, client_secret: client.client_secret, scope: SCOPES.read }),
    });

  it("racing CREATE TABLE: one replica fails its startup with a unique violation in the catalog, the other runs, and a restart of the loser succeeds", async () => {
    const database = await freshDatabase("race_tables");
    const admin = await postgres().session(database);
    sessions.push(admin);
    // Every CREATE TABLE first waits for advisory lock 4242, which the test holds: both replicas pass
    // create_all's "table exists?" checks, then wait at their first CREATE TABLE until released together.
    await admin.run(
      [
        "CREATE FUNCTION hold_create_table() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); END $$;",
        "CREATE EVENT TRIGGER hold_create_table ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION hold_create_table();",
        "SELECT pg_advisory_lock(4242);",
      ].join("\n"),
    );
    const starting = start(urlOf(database));
    await waiters(database, "l.locktype = 'advisory' AND l.objid = 4242", 2);
    await admin.run("SELECT pg_advisory_unlock(4242);");
    const replicas = await starting;

    expect(replicas.replicas).toHaveLength(1);
    expect(replicas.failures).toHaveLength(1);
    const failure = replicas.failures[0];
    expect(failure).toBeInstanceOf(AuthgentSetupError);
    // uvicorn's exit code 3 after "Application startup failed"; the second CREATE TABLE of the same
    // name meets the first one's row in pg_type.
    expect(failure?.message).toMatch(/exited \(3\)/);
    expect(failure?.message).toContain('duplicate key value violates unique constraint "pg_type_typname_nsp_index"');
    expect(failure?.message).toContain("Application startup failed");
    expect(await activeKeys(database)).toBe(1);

    // A restart (what Kubernetes does to the crashed container) finds the tables and the key.
    const restarted = await startAuthgent({ venv: authgentVenv(), env: replicaEnv(urlOf(database), replicas.issuer) });
    try {
      expect(restarted.running).toBe(true);
      expect(await activeKeys(database)).toBe(1);
    } finally {
      await restarted.dispose();
    }
  });

  it("racing the first signing key: both become ready with TWO active keys, and then no replica can sign a token or rotate until one is retired by hand", async () => {
    const database = await freshDatabase("race_keys");
    const url = urlOf(database);
    await createAuthgentTables(authgentVenv(), url);
    const admin = await postgres().session(database);
    sessions.push(admin);
    // Both replicas' "SELECT the active key" waits behind this lock, then both find none.
    await admin.run("BEGIN; LOCK TABLE signing_keys IN ACCESS EXCLUSIVE MODE;");
    const starting = start(url);
    await waiters(database, "l.relation = 'signing_keys'::regclass", 2);
    await admin.run("COMMIT;");
    const replicas = await starting;

    expect(replicas.failures).toEqual([]);
    expect(await activeKeys(database)).toBe(2);
    // /ready stays green: it asks for "an active key" with LIMIT 1 (endpoints/health.py `ready`).
    for (const replica of replicas.replicas) expect((await fetch(`${replica.origin}/ready`)).status).toBe(200);
    // Registration does not sign, so it works ...
    const app = await replicas.registerClient({ client_name: "two-keys", scope: SCOPES.read });
    // ... but every signature asks for exactly one active key (`scalar_one_or_none`), on every replica.
    for (const replica of replicas.replicas) {
      const response = await mint(replica.origin, app);
      expect(response.status).toBe(500);
      await response.body?.cancel();
      await expect.poll(() => replica.output(), { timeout: 5_000 }).toContain("MultipleResultsFound");
    }
    // Rotation is no way out: it reads the one active key the same way.
    const rotation = await runInVenv(authgentVenv(), "authgent-server", ["rotate-keys"], replicaEnv(url));
    expect(rotation.code).not.toBe(0);
    expect(rotation.stdout + rotation.stderr).toContain("MultipleResultsFound");
    expect(await activeKeys(database)).toBe(2);

    // The documented fix: one active key left, the other still published, so nothing signed is lost.
    const kidsBefore = (await postgres().query(database, "SELECT kid FROM signing_keys ORDER BY kid")).split("\n");
    await postgres().query(database, RETIRE_EXTRA_ACTIVE_KEYS);
    expect(await activeKeys(database)).toBe(1);
    for (const replica of replicas.replicas) {
      const response = await mint(replica.origin, app);
      expect(response.status).toBe(200);
      await response.body?.cancel();
      const published = ((await createAuthgentClient(replica.origin).getJson("/.well-known/jwks.json")).keys as { kid: string }[]).map((key) => key.kid).sort();
      expect(published).toEqual(kidsBefore);
    }
  });

  it("the safe order: `authgent-server init` once (tables and one key), then replicas started at the same moment share that key", async () => {
    const database = await freshDatabase("init_first");
    const url = urlOf(database);
    // What a migration Job runs before the Deployment's pods. It writes a throwaway .env in its cwd;
    // the AUTHGENT_* environment overrides it (pydantic-settings: environment before dotenv).
    const init = await runInVenv(authgentVenv(), "authgent-server", ["init", "--force"], replicaEnv(url));
    expect(init.code, init.stderr).toBe(0);
    const kid = await postgres().query(database, "SELECT kid FROM signing_keys WHERE status = 'active'");
    expect(init.stdout).toContain(kid);

    const replicas = await start(url);
    expect(replicas.failures).toEqual([]);
    expect(await postgres().query(database, "SELECT kid FROM signing_keys")).toBe(kid);
    const app = await replicas.registerClient({ client_name: "init-first", scope: SCOPES.read });
    for (const replica of replicas.replicas) {
      const response = await mint(replica.origin, app);
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
  });

  it("the released package has no migration command: `authgent-server migrate` finds no alembic.ini and exits 1", async () => {
    const database = await freshDatabase("no_migrate");
    const result = await runInVenv(authgentVenv(), "authgent-server", ["migrate"], replicaEnv(urlOf(database)));
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain("alembic.ini not found");
    expect(await postgres().query(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).toBe("0");
  });
});
