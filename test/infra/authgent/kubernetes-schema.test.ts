/**
 * Every Kubernetes object the `authgent.kubernetes` target declares, exactly
 * as the provider would receive it (secrets revealed), validated against the
 * Kubernetes API schema of each supported version (strict: an unknown or
 * misplaced field fails, as `kubectl apply` refuses it). Schemas: PyPI
 * `kubernetes-validate` (test/support/kubernetes-schemas.ts). In CI a
 * failure to fetch them fails the suite; elsewhere, without Python, it is
 * reported as skipped.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../../../infra/authgent/kubernetes/versions.ts";
import { AuthgentSetupError } from "../../../scripts/lib/authgent/errors.ts";
import { renderFleet } from "../../../scripts/lib/offline-plan.ts";
import { prerequisite } from "../../support/prerequisite.ts";
import { ensureKubernetesSchemas, loadKubernetesSchema, type KubernetesSchema } from "../../support/kubernetes-schemas.ts";
import { K8S_BLOCK, K8S_IMAGE, K8S_ISSUER, SECURE, k8sStackText, parseK8sStack, withKubernetes } from "./kubernetes-fixtures.ts";

type Obj = Record<string, unknown>;

/** The shapes the target can take: in-cluster Postgres with cert-manager, SQLite with a provided certificate, an external database. */
const VARIANTS: Record<string, string> = {
  "in-cluster Postgres, cert-manager ClusterIssuer (the defaults otherwise)": k8sStackText(),
  "SQLite, one replica, an existing TLS Secret, storage class, no namespace creation": k8sStackText([
    `    issuer: ${K8S_ISSUER}`,
    `    image: ${K8S_IMAGE}`,
    "    secretKey:",
    ...SECURE,
    "    kubernetes:",
    "      replicas: 1",
    "      createNamespace: false",
    "      sqlite: { storage: 2Gi, storageClassName: fast-ssd }",
    "      ingress: { className: traefik, tlsSecretName: auth-cert, annotations: { traefik.ingress.kubernetes.io/router.tls: 'true' } }",
  ]),
  "a Gateway API HTTPRoute instead of the Ingress": k8sStackText(withKubernetes(["      gateway: { name: public, namespace: gateways }"])),
  "external Postgres, namespaced Issuer, required anti-affinity, CPU limit": k8sStackText(
    withKubernetes(
      [
        "      replicas: 3",
        "      spreadAcrossNodes: required",
        "      resources: { requests: { cpu: 250m, memory: 256Mi }, limits: { cpu: '1', memory: 768Mi } }",
        "      ingress: { certManager: { issuer: acme } }",
      ],
      [...K8S_BLOCK.slice(0, 4), "    database:", "      type: external", "      url:", "        secure: v1:AAAAAAAAAAAAAAAA:EEEE", "    kubernetes:"],
    ),
  ),
};

/** The objects of one stack, as the Kubernetes provider would get them. */
async function declaredObjects(text: string): Promise<Map<string, Obj>> {
  const objects = new Map<string, Obj>();
  await renderFleet(parseK8sStack(text), {
    onCreate: async (type, name, inputs) => {
      if (type.startsWith("kubernetes:") && !CUSTOM_RESOURCE_GROUPS.some((group) => type.startsWith(`kubernetes:${group}/`))) objects.set(name, inputs);
    },
  });
  return objects;
}

/**
 * API groups defined by CRDs, whose schemas are not part of the Kubernetes
 * API (kubernetes-validate ships the built-in types only): the Gateway API's
 * HTTPRoute is checked field by field in kubernetes-stack.test.ts instead.
 */
const CUSTOM_RESOURCE_GROUPS = ["gateway.networking.k8s.io"];

let schemas: KubernetesSchema[] | undefined;
let skipped: string | undefined;

beforeAll(async () => {
  // The shared rule: reported as not run on a machine without Python, a failure in CI or for any other cause.
  const found = await prerequisite({
    suites: "Kubernetes schema validation",
    ensure: async () => {
      const dir = await ensureKubernetesSchemas(SUPPORTED_KUBERNETES_VERSIONS);
      return Promise.all(SUPPORTED_KUBERNETES_VERSIONS.map((version) => loadKubernetesSchema(dir, version)));
    },
    isMissing: (error) => error instanceof AuthgentSetupError && error.code === "ERR_PYTHON_MISSING",
  });
  if (found.available) schemas = found.value;
  else skipped = found.reason;
}, 240_000);

describe.each(Object.entries(VARIANTS))("%s", (_variant, text) => {
  it.for([...SUPPORTED_KUBERNETES_VERSIONS])("every object is valid for Kubernetes %s", async (version, context) => {
    if (skipped !== undefined) context.skip(skipped);
    const schema = schemas?.find((candidate) => candidate.version === version);
    if (!schema) throw new Error(`no schema for ${version}`);
    const objects = await declaredObjects(text);
    expect(objects.size).toBeGreaterThanOrEqual(7);
    const problems = [...objects].flatMap(([name, object]) => schema.check(object).map((problem) => `${name} ${problem.at}: ${problem.error}`));
    expect(problems).toEqual([]);
  });
});

describe("the schema check itself", () => {
  it("refuses a misplaced field, a missing required field and a wrong type, so a pass means something", async (context) => {
    if (skipped !== undefined) context.skip(skipped);
    const deployment = structuredClone((await declaredObjects(k8sStackText())).get("authgent-deployment")) as Obj;
    for (const schema of schemas ?? []) {
      expect(schema.check(deployment), schema.version).toEqual([]);
      const misplaced = structuredClone(deployment);
      (misplaced["spec"] as Obj)["readinessProbe"] = { httpGet: { path: "/ready", port: 8000 } };
      expect(schema.check(misplaced).length, schema.version).toBeGreaterThan(0);
      const { selector: _selector, ...withoutSelector } = deployment["spec"] as Obj;
      expect(schema.check({ ...deployment, spec: withoutSelector }).length, schema.version).toBeGreaterThan(0);
      expect(schema.check({ ...deployment, spec: { ...(deployment["spec"] as Obj), replicas: "two" } }).length, schema.version).toBeGreaterThan(0);
    }
  });

  it("uses fields that exist in the oldest supported version only (a field from a newer API fails there)", async (context) => {
    if (skipped !== undefined) context.skip(skipped);
    const oldest = schemas?.[0];
    // PodSpec.resources (pod-level requests/limits) arrived in the 1.32 API: 1.31 must refuse it.
    expect(oldest?.version).toBe("1.31");
    const deployment = structuredClone((await declaredObjects(k8sStackText())).get("authgent-deployment")) as Obj;
    const pod = ((deployment["spec"] as Obj)["template"] as Obj)["spec"] as Obj;
    pod["resources"] = { requests: { cpu: "1" } };
    expect(oldest?.check(deployment).length).toBeGreaterThan(0);
    expect(schemas?.find((s) => s.version === "1.34")?.check(deployment)).toEqual([]);
  });
});
