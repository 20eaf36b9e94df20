/**
 * The Kubernetes target's bootstrap Job, run for real: its command and its
 * settings (ConfigMap + Secret) exactly as the offline plan of a
 * `authgent.kubernetes` stack declares them, with only the host-specific
 * values substituted (database URL → the test cluster, server URL → the
 * replicas' proxy), as the real authgent-server against PostgreSQL. It must
 * leave tables and exactly one active key behind (also when the Job's pod is
 * retried), so that the Deployment's replicas, which start together, have
 * nothing left to race for (authgent-replicas-empty-database.test.ts shows
 * what they do without it).
 */
import { afterAll, expect, it } from "vitest";
import { renderFleet } from "../../scripts/lib/offline-plan.ts";
import { authgentPostgresUrl } from "../../infra/authgent/postgres-url.ts";
import { SCOPES } from "../../worker/bindings.ts";
import { K8S_ISSUER, parseK8sStack } from "../infra/authgent/kubernetes-fixtures.ts";
import { replicaEnv, runInVenv } from "../support/authgent/cli.ts";
import { startAuthgentReplicas, type AuthgentReplicas } from "../support/authgent/replicas.ts";
import { SUPERUSER } from "../support/postgres/cluster.ts";
import { authgentVenv, describeWithAuthgentPostgres, freshDatabase, postgres } from "../support/postgres/use-postgres.ts";

type Obj = Record<string, unknown>;

/** What the plan gives the bootstrap Job's container: its command and every setting it reads. */
async function plannedBootstrap(): Promise<{ command: string[]; settings: Record<string, string>; secrets: Record<string, string> }> {
  const objects = new Map<string, Obj>();
  await renderFleet(parseK8sStack(), {
    onCreate: async (type, name, inputs) => {
      if (type.startsWith("kubernetes:")) objects.set(name, inputs);
    },
  });
  const job = objects.get("authgent-bootstrap");
  const container = ((((job?.["spec"] as Obj)["template"] as Obj)["spec"] as Obj)["containers"] as Obj[])[0] as Obj;
  return {
    command: container["command"] as string[],
    settings: objects.get("authgent-settings")?.["data"] as Record<string, string>,
    secrets: objects.get("authgent-secrets")?.["stringData"] as Record<string, string>,
  };
}

describeWithAuthgentPostgres("the Kubernetes bootstrap Job as planned, against PostgreSQL", () => {
  const open: AuthgentReplicas[] = [];
  afterAll(async () => {
    await Promise.all(open.map((replicas) => replicas.dispose()));
  });

  it("creates the tables and one signing key, twice in a row still one, and then two replicas started together share it", async () => {
    const planned = await plannedBootstrap();
    expect(planned.settings["AUTHGENT_SERVER_URL"]).toBe(K8S_ISSUER);
    expect(Object.keys(planned.secrets).sort()).toEqual(["AUTHGENT_DATABASE_URL", "AUTHGENT_SECRET_KEY"]);

    const database = await freshDatabase("k8s_bootstrap");
    const { host, port } = postgres().info;
    const url = authgentPostgresUrl({ host, port, database, user: SUPERUSER });
    // The plan's settings, then the host-specific ones: the test database, the test secret key.
    const env = { ...planned.settings, ...replicaEnv(url, planned.settings["AUTHGENT_SERVER_URL"]) };
    const [program = "", ...args] = planned.command;
    expect(program).toBe("python");

    const first = await runInVenv(authgentVenv(), "python", args, env);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    const kid = await postgres().query(database, "SELECT kid FROM signing_keys WHERE status = 'active'");
    expect(kid).toMatch(/^[\w-]{16,}$/);
    // A retried Job pod (backoffLimit) finds the tables and the key: nothing new.
    const retry = await runInVenv(authgentVenv(), "python", args, env);
    expect(retry.code, retry.stderr.slice(-2000)).toBe(0);
    expect(await postgres().query(database, "SELECT kid FROM signing_keys")).toBe(kid);

    const replicas = await startAuthgentReplicas({ venv: authgentVenv(), databaseUrl: url, simultaneous: true });
    open.push(replicas);
    expect(replicas.failures).toEqual([]);
    expect(replicas.replicas).toHaveLength(2);
    expect(await postgres().query(database, "SELECT kid FROM signing_keys")).toBe(kid);
    const app = await replicas.registerClient({ client_name: "k8s-bootstrap", scope: SCOPES.read });
    for (const replica of replicas.replicas) {
      const response = await fetch(`${replica.origin}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: SCOPES.read }),
      });
      expect(response.status).toBe(200);
      const token = ((await response.json()) as { access_token: string }).access_token;
      expect(JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()).kid).toBe(kid);
    }
  });
});
