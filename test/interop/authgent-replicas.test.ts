/**
 * Two authgent-server processes on one PostgreSQL database behind one
 * address behave as one issuer: the worker (bundled, in workerd) verifies a
 * token one replica signed with keys it fetched from the other, a rotation
 * run once is seen by both, and stopping a replica loses nothing.
 *
 * The replicas share everything a deployment shares: `AUTHGENT_SERVER_URL`
 * (the proxy's origin), the secret key and the database. They start one
 * after the other here, as they do once the schema and first key exist;
 * what a simultaneous start on an empty database does is pinned in
 * authgent-replicas-empty-database.test.ts.
 */
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { authgentPostgresUrl } from "../../infra/authgent/postgres-url.ts";
import { SCOPES } from "../../worker/bindings.ts";
import { postMcp } from "../e2e/support/harness.ts";
import { createAuthgentClient, type RegisteredClient } from "../support/authgent/client.ts";
import { startAuthgentReplicas, type AuthgentReplicas } from "../support/authgent/replicas.ts";
import { startAuthgentWorker, type AuthgentWorker } from "../support/authgent/worker.ts";
import { SUPERUSER } from "../support/postgres/cluster.ts";
import { authgentVenv, describeWithAuthgentPostgres, freshDatabase, postgres } from "../support/postgres/use-postgres.ts";

const JWKS_PATH = "/.well-known/jwks.json";
const METADATA_PATH = "/.well-known/oauth-authorization-server";

describeWithAuthgentPostgres("two Authgent replicas on Postgres behind one address", () => {
  let auth: AuthgentReplicas;
  let database: string;
  const workers: AuthgentWorker[] = [];
  let worker: AuthgentWorker;
  let app: RegisteredClient;
  /** Signed before the rotation; must verify until the end. */
  let firstKeyToken: string;

  beforeAll(async () => {
    database = await freshDatabase("replicas");
    const { host, port } = postgres().info;
    auth = await startAuthgentReplicas({ venv: authgentVenv(), databaseUrl: authgentPostgresUrl({ host, port, database, user: SUPERUSER }) });
    worker = await startAuthgentWorker(auth.issuer);
    workers.push(worker);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.dispose()));
    await auth?.dispose();
  });

  const replica = (index: number) => {
    const server = auth.replicas[index];
    if (!server) throw new Error(`no replica ${index}`);
    return { server, client: createAuthgentClient(server.origin) };
  };
  const mintAt = async (index: number, client: RegisteredClient = app) =>
    (await replica(index).client.clientCredentialsToken({ client, resource: worker.audience, scope: SCOPES.read })).access_token;
  const status = async (target: AuthgentWorker, token: string) => (await postMcp(target.mcpUrl, token, "tools/list")).status;
  const kids = async (index: number) => ((await replica(index).client.getJson(JWKS_PATH)).keys as { kid: string }[]).map((key) => key.kid).sort();

  it("answers as one issuer: the same metadata and the same single key from either replica", async () => {
    const [a, b] = [replica(0).client, replica(1).client];
    const metadataA = await a.getJson(METADATA_PATH);
    expect(metadataA.issuer).toBe(auth.issuer);
    expect(await b.getJson(METADATA_PATH)).toEqual(metadataA);
    expect(await kids(0)).toHaveLength(1);
    expect(await kids(1)).toEqual(await kids(0));
    expect(await postgres().query(database, "SELECT status, count(*) FROM signing_keys GROUP BY status")).toBe("active|1");
  });

  it("a token replica A signed verifies at the worker after the worker fetched the JWKS from replica B", async () => {
    // Only B behind the address: the client registration and the worker's key fetch land there.
    auth.proxy.drain(0, true);
    app = await auth.registerClient({ client_name: "replicas", scope: SCOPES.read });
    const seen = auth.proxy.requests.length;
    firstKeyToken = await mintAt(0);
    expect(await status(worker, firstKeyToken)).toBe(200);
    const fetched = auth.proxy.requests.slice(seen).filter((request) => request.path.startsWith("/.well-known/"));
    expect(fetched.some((request) => request.path === JWKS_PATH)).toBe(true);
    expect(fetched.every((request) => request.upstream === 1)).toBe(true);
    auth.proxy.drain(0, false);
  });

  it("a rotation run once on one replica is seen by both: new tokens from either carry the new kid, old ones still verify", async () => {
    const oldKid = decodeProtectedHeader(firstKeyToken).kid;
    const newKid = await replica(0).server.rotateKeys();
    expect(newKid).not.toBe(oldKid);
    // Each replica reads the active key from the database for every signature (jwks_service.py `sign_jwt`).
    const fromA = await mintAt(0);
    const fromB = await mintAt(1);
    expect(decodeProtectedHeader(fromA).kid).toBe(newKid);
    expect(decodeProtectedHeader(fromB).kid).toBe(newKid);
    expect(await kids(0)).toEqual([oldKid, newKid].sort());
    expect(await kids(1)).toEqual(await kids(0));
    expect(await postgres().query(database, "SELECT status, count(*) FROM signing_keys GROUP BY status ORDER BY status")).toBe("active|1\nrotated|1");
    // A new isolate of the same server (the warm one is inside its JWKS refetch cooldown) fetches through the proxy.
    const cold = await startAuthgentWorker(auth.issuer, { vars: { MCP_AUDIENCE: worker.audience } });
    workers.push(cold);
    expect(await status(cold, fromA)).toBe(200);
    expect(await status(cold, fromB)).toBe(200);
    expect(await status(cold, firstKeyToken)).toBe(200);
  });

  it("stopping one replica loses nothing: clients, keys and tokens stay, the other keeps issuing, and the stopped one comes back knowing what happened meanwhile", async () => {
    const before = await auth.getJson(JWKS_PATH);
    await replica(0).server.stop();
    const seen = auth.proxy.requests.length;
    // Through the one address: the proxy skips the stopped replica, as a Service drops a dead endpoint.
    const token = (await auth.clientCredentialsToken({ client: app, resource: worker.audience, scope: SCOPES.read })).access_token;
    const late = await auth.registerClient({ client_name: "registered-while-a-was-down", scope: SCOPES.read });
    expect(await auth.getJson(JWKS_PATH)).toEqual(before);
    const cold = await startAuthgentWorker(auth.issuer, { vars: { MCP_AUDIENCE: worker.audience } });
    workers.push(cold);
    expect(await status(cold, token)).toBe(200);
    expect(await status(cold, firstKeyToken)).toBe(200);
    // Every request since the stop was answered, and by B.
    expect(auth.proxy.requests.slice(seen).map((request) => [request.upstream, request.status < 500])).toEqual(
      auth.proxy.requests.slice(seen).map(() => [1, true]),
    );

    await replica(0).server.restart();
    const fromRestarted = await mintAt(0, late);
    expect(await status(cold, fromRestarted)).toBe(200);
    expect(await kids(0)).toEqual(await kids(1));
    expect(await postgres().query(database, "SELECT count(*) FROM oauth_clients")).toBe("2");
  });
});
