/**
 * AuthgentCluster's resource options under Pulumi's mocks: what keeps data
 * (retainOnDelete + protect, like the Docker volumes) and the order the
 * engine must follow (Postgres, then the bootstrap Job, then the replicas).
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { AuthgentCluster } from "../../../infra/authgent/kubernetes/authgent-cluster.ts";
import { authgentConfigSchema, type AuthgentConfigInput } from "../../../infra/authgent/config.ts";
import { DATABASE_URL_FORMS } from "../../../infra/authgent/database.ts";
import { TEST_SECRET_KEY } from "./fixtures.ts";
import { K8S_IMAGE, K8S_ISSUER } from "./kubernetes-fixtures.ts";
import { captureOptions, installMocks, named, optionsOf, recorded, resetRecords, settle } from "./mocks.ts";

beforeAll(installMocks);
beforeEach(resetRecords);

async function deploy(overrides: Partial<AuthgentConfigInput>): Promise<AuthgentCluster> {
  const config = authgentConfigSchema.parse({ issuer: K8S_ISSUER, secretKey: TEST_SECRET_KEY, image: K8S_IMAGE, ...overrides });
  const cluster = new AuthgentCluster("auth", { config }, { transformations: [captureOptions] });
  // The Deployment consumes the provider, namespace, settings and Job, so once it is registered they are.
  await settle(cluster.deploymentName);
  return cluster;
}

function dependsOnNames(name: string): string[] {
  const dependsOn = optionsOf(name).dependsOn;
  const list = (Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : []) as pulumi.Resource[];
  return list.map((resource) => (resource as unknown as { __name?: string }).__name ?? "?");
}

describe("AuthgentCluster resource options", () => {
  it("keeps and protects the namespace and the Postgres StatefulSet; nothing else is protected", async () => {
    await deploy({ kubernetes: {}, database: { type: "postgres", password: "p".repeat(32) } });
    for (const name of ["auth-namespace", "auth-postgres"]) expect(optionsOf(name), name).toMatchObject({ retainOnDelete: true, protect: true });
    for (const name of ["auth-deployment", "auth-bootstrap", "auth-settings", "auth-secrets", "auth-ingress"]) expect(optionsOf(name).protect, name).toBeUndefined();
  });

  it("keeps and protects the SQLite claim", async () => {
    await deploy({ kubernetes: { replicas: 1 } });
    expect(optionsOf("auth-data")).toMatchObject({ retainOnDelete: true, protect: true });
    expect(recorded.map((r) => r.name)).not.toContain("auth-bootstrap");
  });

  it("starts the replicas only after the bootstrap Job, and the Job only after Postgres", async () => {
    await deploy({ kubernetes: {}, database: { type: "postgres", password: "p".repeat(32) } });
    expect(dependsOnNames("auth-bootstrap")).toEqual(["auth-namespace", "auth-postgres"]);
    expect(dependsOnNames("auth-deployment")).toEqual(["auth-namespace", "auth-bootstrap", "auth-postgres"]);
  });

  it("sends every object through the component's own provider", async () => {
    await deploy({ kubernetes: { context: "prod-eu" }, database: { type: "external", url: DATABASE_URL_FORMS.postgres } });
    const provider = named("auth-k8s");
    expect(provider.inputs).toMatchObject({ context: "prod-eu", namespace: "authgent" });
    const objects = recorded.filter((r) => r.type.startsWith("kubernetes:"));
    expect(objects.map((r) => r.name)).toEqual(expect.arrayContaining(["auth-namespace", "auth-settings", "auth-secrets", "auth-bootstrap", "auth-deployment"]));
    for (const object of objects) expect(object.provider, object.name).toMatch(/::auth-k8s::/);
  });
});
