/**
 * `npm run authgent-migrate` against the real server: a deployment that ran
 * on SQLite (clients registered, tokens minted, a key rotated, a refresh
 * token handed out) moves to PostgreSQL, and after the server starts on
 * Postgres with the same secret key and URL nothing is lost: the same JWKS,
 * the old client still gets tokens, the old refresh token still refreshes,
 * and tokens signed before the move still verify at the worker.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { authgentPostgresUrl } from "../../infra/authgent/postgres-url.ts";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { runCommand } from "../../scripts/lib/run-command.ts";
import { SCOPES } from "../../worker/bindings.ts";
import { postMcp } from "../e2e/support/harness.ts";
import { replicaEnv, runInVenv } from "../support/authgent/cli.ts";
import type { RegisteredClient } from "../support/authgent/client.ts";
import { approveInBrowser } from "../support/authgent/oauth-client.ts";
import { startAuthgent, type AuthgentServer } from "../support/authgent/server.ts";
import { startAuthgentWorker, type AuthgentWorker } from "../support/authgent/worker.ts";
import { SUPERUSER } from "../support/postgres/cluster.ts";
import { authgentVenv, describeWithAuthgentPostgres, freshDatabase, postgres } from "../support/postgres/use-postgres.ts";

/** The migrating role's password: needs percent-encoding, and must never be printed. */
const PASSWORD = "m1gr@te/s3cret";
const JWKS_PATH = "/.well-known/jwks.json";
const REDIRECT_URI = "http://127.0.0.1:9/callback";

/** The CLI as `npm run authgent-migrate` runs it; `output` is stdout and stderr together. */
async function migrateCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ code: number; output: string }> {
  const options = { cwd: REPO_ROOT, timeout: 120_000, env: { ...process.env, ...env } };
  const { code, stdout, stderr } = await runCommand(process.execPath, ["--import", "tsx", "scripts/authgent-migrate.ts", ...args], options);
  return { code, output: `${stdout}${stderr}` };
}

const sha256 = async (file: string) => createHash("sha256").update(await readFile(file)).digest("hex");
/** By kid in code-unit order, which is also PostgreSQL's `ORDER BY` under the test cluster's C collation. */
const sortedKeys = (jwks: Record<string, unknown>) => [...(jwks.keys as { kid: string }[])].sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));

describeWithAuthgentPostgres("npm run authgent-migrate: SQLite to PostgreSQL with the real server", () => {
  let sqlite: AuthgentServer;
  let onPostgres: AuthgentServer | undefined;
  const workers: AuthgentWorker[] = [];
  let worker: AuthgentWorker;
  let sqliteFile: string;
  let machine: RegisteredClient;
  let jwksBefore: Record<string, unknown>;
  let rotatedKeyToken: string;
  let activeKeyToken: string;
  let refreshToken: string;
  let webApp: RegisteredClient;

  /** `postgresql://migrator:<password>@127.0.0.1:<port>/<database>`: the plain form an operator has. */
  const targetUrl = (database: string) => `postgresql://migrator:${encodeURIComponent(PASSWORD)}@127.0.0.1:${postgres().info.port}/${database}`;

  beforeAll(async () => {
    await postgres().query("postgres", `DO $$ BEGIN CREATE ROLE migrator LOGIN SUPERUSER PASSWORD '${PASSWORD}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    sqlite = await startAuthgent({ venv: authgentVenv(), env: { AUTHGENT_CONSENT_MODE: "auto_approve" } });
    sqliteFile = join(sqlite.dataDir, "authgent.db");
    worker = await startAuthgentWorker(sqlite.issuer);
    workers.push(worker);

    // A machine client, a token signed with the first key, a rotation, a token signed with the new key.
    machine = await sqlite.registerClient({ client_name: "machine", scope: SCOPES.read });
    const mint = async () => (await sqlite.clientCredentialsToken({ client: machine, resource: worker.audience, scope: SCOPES.read })).access_token;
    rotatedKeyToken = await mint();
    await sqlite.rotateKeys();
    activeKeyToken = await mint();
    expect(await status(worker, rotatedKeyToken)).toBe(200);

    // A user-facing client with a refresh token (RFC 6749 §4.1 with PKCE, RFC 7636), consent auto-approved.
    webApp = await sqlite.registerClient({ client_name: "web", grant_types: ["authorization_code", "refresh_token"], redirect_uris: [REDIRECT_URI], scope: SCOPES.read });
    refreshToken = await authorizationCodeRefreshToken(sqlite, webApp, worker.audience);
    jwksBefore = await sqlite.getJson(JWKS_PATH);
    expect(jwksBefore.keys).toHaveLength(2);
    await sqlite.stop();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.dispose()));
    await onPostgres?.dispose();
    await sqlite?.dispose();
  });

  const status = async (target: AuthgentWorker, token: string) => (await postMcp(target.mcpUrl, token, "tools/list")).status;
  const rows = async (database: string, table: string) => Number(await postgres().query(database, `SELECT count(*) FROM ${table}`));

  it("moves every table; the server on Postgres has the same keys, clients and refresh tokens, and the worker still accepts old tokens", async () => {
    const database = await freshDatabase("migrate_to");
    const sourceBefore = await sha256(sqliteFile);
    const run = await migrateCli(["--from", sqliteFile, "--to", targetUrl(database)]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain(PASSWORD);
    expect(run.output).not.toContain(encodeURIComponent(PASSWORD));
    expect(run.output).toContain("migrator:***@127.0.0.1");
    for (const table of ["oauth_clients", "signing_keys", "refresh_tokens", "consents", "audit_log"]) expect(run.output).toMatch(new RegExp(`\\n  ${table}\\s+\\d+`));
    expect(await rows(database, "oauth_clients")).toBe(2);
    expect(await rows(database, "signing_keys")).toBe(2);
    expect(await rows(database, "refresh_tokens")).toBeGreaterThanOrEqual(1);

    // Same port, so the same AUTHGENT_SERVER_URL (every token's iss); same secret key (TEST_SECRET_KEY).
    onPostgres = await startAuthgent({
      venv: authgentVenv(),
      port: sqlite.port,
      env: { AUTHGENT_DATABASE_URL: authgentPostgresUrl({ host: "127.0.0.1", port: postgres().info.port, database, user: SUPERUSER }) },
    });
    expect(sortedKeys(await onPostgres.getJson(JWKS_PATH))).toEqual(sortedKeys(jwksBefore));
    // The old client gets tokens, signed with the key that was active before the move.
    const fresh = (await onPostgres.clientCredentialsToken({ client: machine, resource: worker.audience, scope: SCOPES.read })).access_token;
    expect(decodeProtectedHeader(fresh).kid).toBe(decodeProtectedHeader(activeKeyToken).kid);
    // The old refresh token refreshes (authgent rotates it: token_service.py `_handle_refresh_token`).
    const refreshed = await onPostgres.token({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: webApp.client_id, client_secret: webApp.client_secret });
    expect(refreshed.access_token).toMatch(/^ey/);
    // A worker that never saw the old server fetches the keys from the new one and accepts everything.
    const cold = await startAuthgentWorker(onPostgres.issuer, { vars: { MCP_AUDIENCE: worker.audience } });
    workers.push(cold);
    for (const token of [rotatedKeyToken, activeKeyToken, fresh]) expect(await status(cold, token)).toBe(200);
    // The source is opened read-only: byte for byte what the SQLite server left.
    expect(await sha256(sqliteFile)).toBe(sourceBefore);
  });

  it("refuses a target a server already started on (its own key), changing nothing, and replaces it only when told", async () => {
    const database = await freshDatabase("migrate_nonempty");
    const init = await runInVenv(authgentVenv(), "authgent-server", ["init", "--force"], replicaEnv(authgentPostgresUrl({ host: "127.0.0.1", port: postgres().info.port, database, user: SUPERUSER })));
    expect(init.code, init.stderr).toBe(0);
    const ownKid = await postgres().query(database, "SELECT kid FROM signing_keys");

    const refused = await migrateCli(["--from", sqliteFile, "--to", targetUrl(database)]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain("already holds authgent data (signing_keys: 1)");
    expect(refused.output).toContain("--replace-target");
    expect(refused.output).not.toContain(PASSWORD);
    expect(await postgres().query(database, "SELECT kid FROM signing_keys")).toBe(ownKid);
    expect(await rows(database, "oauth_clients")).toBe(0);

    // The URL from the environment this time (--to-env), as docs/authgent.md shows it.
    const replaced = await migrateCli(["--from", sqliteFile, "--to-env", "AUTHGENT_TARGET_URL", "--replace-target"], { AUTHGENT_TARGET_URL: targetUrl(database) });
    expect(replaced.code, replaced.output).toBe(0);
    expect(replaced.output).toContain("Deleted from the target first: signing_keys 1");
    expect(replaced.output).not.toContain(PASSWORD);
    const kids = (await postgres().query(database, "SELECT kid FROM signing_keys ORDER BY kid")).split("\n");
    expect(kids).toEqual(sortedKeys(jwksBefore).map((key) => key.kid));
    expect(await rows(database, "oauth_clients")).toBe(2);
  });

  it("says what is wrong with a source that is not authgent's, or a target it cannot reach, and never prints the password", async () => {
    const notAuthgent = join(sqlite.dataDir, "other.db");
    await writeFile(notAuthgent, "");
    const foreign = await migrateCli(["--from", notAuthgent, "--to", targetUrl(await freshDatabase("migrate_foreign"))]);
    expect(foreign.code).toBe(1);
    expect(foreign.output).toContain("not an authgent-server database");

    const unreachable = await migrateCli(["--from", sqliteFile, "--to", `postgresql://migrator:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/authgent`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toMatch(/authgent-migrate: .*(refused|failed)/);
    expect(unreachable.output).not.toContain(PASSWORD);
    expect(unreachable.output).not.toContain(encodeURIComponent(PASSWORD));

    const badScheme = await migrateCli(["--from", sqliteFile, "--to", `mysql://migrator:${encodeURIComponent(PASSWORD)}@db/authgent`]);
    expect(badScheme.code).toBe(2);
    expect(badScheme.output).toContain("--to must be a PostgreSQL URL, not mysql://");
    expect(badScheme.output).not.toContain(encodeURIComponent(PASSWORD));
  });
});

/** Runs the authorization code grant with PKCE against `server` and returns the refresh token it issues. */
async function authorizationCodeRefreshToken(server: AuthgentServer, client: RegisteredClient, resource: string): Promise<string> {
  const verifier = randomBytes(32).toString("base64url");
  const authorize = new URL("/authorize", server.origin);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: SCOPES.read,
    state: randomBytes(8).toString("hex"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    resource,
  }).toString();
  const code = await approveInBrowser(authorize, server.issuer);
  const tokens = await server.token({
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: client.client_id,
    client_secret: client.client_secret,
    resource,
  });
  if (!tokens.refresh_token) throw new Error("the authorization code grant issued no refresh token");
  return tokens.refresh_token;
}
