/**
 * A stack whose Authgent runs on Kubernetes, through the real program under
 * Pulumi's mocks (`renderFleet`, what `npm run plan` and the runner tests
 * run): the objects declared, the settings both targets share, secrecy of
 * every secret value as the engine receives it, data protection, and the
 * preview-time cluster checks.
 */
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { authgentEnvironment } from "../../../infra/authgent/environment.ts";
import { isAuthgentConfig } from "../../../infra/authgent/config.ts";
import { ClusterCheckError, type ClusterObject, type ClusterReader } from "../../../infra/authgent/kubernetes/cluster-checks.ts";
import { kubectlGetArgs } from "../../../infra/authgent/kubernetes/kubectl-reader.ts";
import { BOOTSTRAP_COMMAND } from "../../../infra/authgent/server-command.ts";
import { SECURE_PLACEHOLDER } from "../../../infra/secret-value.ts";
import { stackFileInput } from "../../../infra/config-source.ts";
import { parseStackConfig } from "../../../infra/config.ts";
import { authgentConfigPlugin } from "../../../infra/config-plugins.ts";
import { renderFleet, type PlanResource } from "../../../scripts/lib/offline-plan.ts";
import { K8S_BLOCK, K8S_IMAGE, K8S_ISSUER, SECURE, k8sStackText, parseK8sStack, withKubernetes } from "./kubernetes-fixtures.ts";

type Obj = Record<string, unknown>;

function k8sResources(resources: readonly PlanResource[]): PlanResource[] {
  return resources.filter((r) => r.type.startsWith("kubernetes:") || r.type === "pulumi:providers:kubernetes" || r.type.startsWith("authgent-edge:authgent:"));
}

function named(resources: readonly PlanResource[], name: string): PlanResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no ${name}: ${resources.map((r) => r.name).join(", ")}`);
  return found;
}

/** A cluster that has exactly these objects (by resource type and name). */
function fakeCluster(present: readonly string[]): ClusterReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    exists: async (object: ClusterObject, context: string | undefined) => {
      const key = `${object.resource}/${object.namespace ? `${object.namespace}/` : ""}${object.name}`;
      asked.push(`${context ?? "(current)"} ${key}`);
      return present.includes(key);
    },
  };
}

const FULL_CLUSTER = [
  "ingressclasses.networking.k8s.io/nginx",
  "customresourcedefinitions.apiextensions.k8s.io/certificates.cert-manager.io",
  "customresourcedefinitions.apiextensions.k8s.io/clusterissuers.cert-manager.io",
  "clusterissuers.cert-manager.io/letsencrypt-prod",
];

describe("authgent.kubernetes: what the stack declares", () => {
  it("declares namespace, settings, secrets, Postgres, the bootstrap Job, Deployment, PDB, Service and Ingress through its own provider", async () => {
    const { plan } = await renderFleet(parseK8sStack());
    expect(k8sResources(plan.resources).map(({ type, name, parent }) => `${type} ${name} ${parent}`)).toEqual([
      "authgent-edge:authgent:AuthgentCluster authgent null",
      "kubernetes:batch/v1:Job authgent-bootstrap authgent",
      "kubernetes:apps/v1:Deployment authgent-deployment authgent",
      "kubernetes:networking.k8s.io/v1:Ingress authgent-ingress authgent",
      "pulumi:providers:kubernetes authgent-k8s authgent",
      "kubernetes:core/v1:Namespace authgent-namespace authgent",
      "kubernetes:policy/v1:PodDisruptionBudget authgent-pdb authgent",
      "kubernetes:apps/v1:StatefulSet authgent-postgres authgent",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy authgent-postgres-ingress authgent",
      "kubernetes:core/v1:Secret authgent-postgres-password authgent",
      "kubernetes:core/v1:Service authgent-postgres-service authgent",
      "kubernetes:core/v1:Secret authgent-secrets authgent",
      "kubernetes:core/v1:Service authgent-service authgent",
      "kubernetes:core/v1:ConfigMap authgent-settings authgent",
    ]);
    expect(plan.resources.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
  });

  it("runs the pinned image as 2 replicas with readiness on /ready, liveness on /health, requests and limits, spread over nodes", async () => {
    const { plan } = await renderFleet(parseK8sStack());
    const spec = named(plan.resources, "authgent-deployment").inputs["spec"] as Obj;
    const pod = (spec["template"] as Obj)["spec"] as Obj;
    const [container] = pod["containers"] as Obj[];
    expect(spec["replicas"]).toBe(2);
    expect(spec["strategy"]).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(container?.["image"]).toBe(K8S_IMAGE);
    expect(container?.["readinessProbe"]).toMatchObject({ httpGet: { path: "/ready", port: "http" } });
    expect(container?.["livenessProbe"]).toMatchObject({ httpGet: { path: "/health", port: "http" } });
    expect(container?.["resources"]).toEqual({ requests: { cpu: "100m", memory: "192Mi" }, limits: { memory: "512Mi" } });
    expect(pod["affinity"]).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/instance": "authgent", "app.kubernetes.io/component": "server" } } } },
        ],
      },
    });
    expect(named(plan.resources, "authgent-pdb").inputs["spec"]).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { "app.kubernetes.io/instance": "authgent", "app.kubernetes.io/component": "server" } },
    });
  });

  it("honours replicas, resources and required anti-affinity", async () => {
    const text = k8sStackText(withKubernetes(["      replicas: 3", "      spreadAcrossNodes: required", "      resources: { requests: { cpu: 250m }, limits: { cpu: '2', memory: 1Gi } }"]));
    const { plan } = await renderFleet(parseK8sStack(text));
    const spec = named(plan.resources, "authgent-deployment").inputs["spec"] as Obj;
    const pod = (spec["template"] as Obj)["spec"] as Obj;
    expect(spec["replicas"]).toBe(3);
    expect(((pod["containers"] as Obj[])[0] as Obj)["resources"]).toEqual({ requests: { cpu: "250m", memory: "192Mi" }, limits: { cpu: "2", memory: "1Gi" } });
    expect(Object.keys((pod["affinity"] as { podAntiAffinity: Obj }).podAntiAffinity)).toEqual(["requiredDuringSchedulingIgnoredDuringExecution"]);
  });

  it("gives both targets the same AUTHGENT_* settings: the ConfigMap holds the plain ones, the Secret the secret ones", async () => {
    const text = k8sStackText([...K8S_BLOCK.slice(0, -3), "    registration: { policy: token, token: { secure: 'v1:AAAAAAAAAAAAAAAA:DDDD' } }", "    env: { AUTHGENT_ACCESS_TOKEN_TTL: '600' }", ...K8S_BLOCK.slice(-3)]);
    const config = parseK8sStack(text);
    const authgent = config.authgent;
    if (!isAuthgentConfig(authgent)) throw new Error("not parsed");
    const scopes = config.servers.flatMap((server) => server.scopes);
    const expected = authgentEnvironment(authgent, scopes);
    let settings: Obj = {};
    let secrets: Obj = {};
    await renderFleet(config, {
      onCreate: async (_type, name, inputs) => {
        if (name === "authgent-settings") settings = inputs["data"] as Obj;
        if (name === "authgent-secrets") secrets = inputs["stringData"] as Obj;
      },
    });
    expect(Object.keys({ ...settings, ...secrets }).sort()).toEqual(expected.map((entry) => entry.name));
    for (const entry of expected) {
      if (typeof entry.value === "string") expect(settings[entry.name], entry.name).toBe(entry.value);
      else expect(secrets[entry.name], entry.name).toBe(entry.value.reveal());
    }
    expect(Object.keys(secrets).sort()).toEqual(["AUTHGENT_DATABASE_URL", "AUTHGENT_REGISTRATION_TOKEN", "AUTHGENT_SECRET_KEY"]);
    expect(settings).toMatchObject({ AUTHGENT_SERVER_URL: K8S_ISSUER, AUTHGENT_ACCESS_TOKEN_TTL: "600", AUTHGENT_SCOPES_SUPPORTED: '["mcp:read","mcp:write"]' });
  });

  it("sets exactly the AUTHGENT_* variables the Docker target sets for the same block (host swapped for kubernetes)", async () => {
    const shared = [
      `    issuer: ${K8S_ISSUER}`,
      `    image: ${K8S_IMAGE}`,
      "    secretKey:",
      ...SECURE,
      "    database: { type: postgres, password: { secure: 'v1:AAAAAAAAAAAAAAAA:CCCC' } }",
      "    consentMode: headless",
      "    requireDpop: true",
      "    corsOrigins: [https://app.yourcompany.com]",
      "    registration: { policy: token, token: { secure: 'v1:AAAAAAAAAAAAAAAA:DDDD' } }",
      "    env: { AUTHGENT_ACCESS_TOKEN_TTL: '600' }",
    ];
    const docker = parseK8sStack(k8sStackText([...shared, "    host: ssh://deploy@vps.yourcompany.com"]));
    const cluster = parseK8sStack(k8sStackText([...shared, "    kubernetes: {}"]));
    let dockerEnv: Record<string, string> = {};
    let clusterEnv: Record<string, string> = {};
    await renderFleet(docker, {
      onCreate: async (_type, name, inputs) => {
        if (name === "authgent-container") dockerEnv = Object.fromEntries((inputs["envs"] as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
      },
    });
    await renderFleet(cluster, {
      onCreate: async (_type, name, inputs) => {
        if (name === "authgent-settings" || name === "authgent-secrets") clusterEnv = { ...clusterEnv, ...((inputs["data"] ?? inputs["stringData"]) as Record<string, string>) };
      },
    });
    expect(Object.keys(dockerEnv)).toHaveLength(10);
    expect(clusterEnv).toEqual(dockerEnv);
  });

  it("connects to the in-cluster Postgres by the same host name the Docker target uses", async () => {
    let url = "";
    await renderFleet(parseK8sStack(), {
      onCreate: async (_type, name, inputs) => {
        if (name === "authgent-secrets") url = String((inputs["stringData"] as Obj)["AUTHGENT_DATABASE_URL"]);
      },
    });
    expect(new URL(url.replace(/^[^:]+:/, "http:")).hostname).toBe("authgent-postgres");
    const { plan } = await renderFleet(parseK8sStack());
    expect((named(plan.resources, "authgent-postgres-service").inputs["metadata"] as Obj)["name"]).toBe("authgent-postgres");
  });

  it("sends every secret value as a Pulumi secret and shows it nowhere: Secret data, Postgres password, plan and outputs", async () => {
    const { plan, resources, outputs } = await renderFleet(parseK8sStack());
    const secretPaths = Object.fromEntries(resources.filter((r) => r.secretPaths.length > 0).map((r) => [r.name, [...r.secretPaths].sort()]));
    // The provider SDK sends a Secret's whole stringData as one secret (and marks data/stringData secret outputs).
    expect(secretPaths).toEqual({ "authgent-secrets": ["stringData"], "authgent-postgres-password": ["stringData"] });
    const text = JSON.stringify(plan);
    expect(text).not.toContain(SECURE_PLACEHOLDER);
    expect(text).not.toContain("postgresql+");
    const exported = await new Promise<string>((resolve) => {
      const a = outputs.authgent!;
      void pulumi.all([a.issuerUrl, a.jwksUrl, a.metadataUrl, a.rotateKeysCommand]).apply((values) => resolve(JSON.stringify(values)));
    });
    expect(exported).not.toContain(SECURE_PLACEHOLDER);
    // The ConfigMap carries no secret: nothing in it was sent as one.
    expect(named(plan.resources, "authgent-settings").inputs["data"]).not.toHaveProperty("AUTHGENT_SECRET_KEY");
  });

  it("with the decrypted values pulumi up sees, neither the secret key nor the database password appears in the plan, notes or outputs", async () => {
    const { values } = stackFileInput("production", k8sStackText());
    const secretKey = randomBytes(32).toString("hex");
    const password = randomBytes(24).toString("hex");
    const block = values["authgent"] as Record<string, unknown>;
    const authgent = { ...block, secretKey, database: { ...(block["database"] as object), password } };
    const config = parseStackConfig({ stack: "production", values: { ...values, authgent }, plaintextSecretPaths: [] }, { authgent: authgentConfigPlugin! });
    let provided = "";
    const { plan, notes, outputs } = await renderFleet(config, {
      onCreate: async (_type, name, inputs) => {
        if (name === "authgent-secrets") provided = JSON.stringify(inputs);
      },
    });
    // The provider does get them (revealed inputs), as the Secret's stringData ...
    expect(provided).toContain(secretKey);
    expect(provided).toContain(encodeURIComponent(password));
    // ... and nothing a person or a log sees does.
    const exported = await new Promise<string>((resolve) => {
      const a = outputs.authgent!;
      void pulumi.all([a.issuerUrl, a.jwksUrl, a.metadataUrl, a.rotateKeysCommand]).apply((v) => resolve(JSON.stringify(v)));
    });
    for (const text of [JSON.stringify(plan), notes.join("\n"), exported]) {
      expect(text).not.toContain(secretKey);
      expect(text).not.toContain(password);
    }
  });

  it("protects what holds data (namespace, Postgres StatefulSet, SQLite claim) and keeps the claims past the StatefulSet", async () => {
    const { plan } = await renderFleet(parseK8sStack());
    expect(k8sResources(plan.resources).filter((r) => r.protect === true).map((r) => r.name)).toEqual(["authgent-namespace", "authgent-postgres"]);
    const statefulSet = named(plan.resources, "authgent-postgres").inputs["spec"] as Obj;
    expect(statefulSet["persistentVolumeClaimRetentionPolicy"]).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });

    const sqlite = k8sStackText([`    issuer: ${K8S_ISSUER}`, `    image: ${K8S_IMAGE}`, "    secretKey:", ...SECURE, "    kubernetes: { replicas: 1 }"]);
    const single = await renderFleet(parseK8sStack(sqlite));
    expect(k8sResources(single.plan.resources).filter((r) => r.protect === true).map((r) => r.name)).toEqual(["authgent-data", "authgent-namespace"]);
    const spec = named(single.plan.resources, "authgent-deployment").inputs["spec"] as Obj;
    // One pod owns the SQLite file: the old pod stops before the new one opens it, and there is no bootstrap Job.
    expect(spec["strategy"]).toEqual({ type: "Recreate" });
    expect(single.plan.resources.map((r) => r.name)).not.toContain("authgent-bootstrap");
  });

  it("runs authgent-server's first start once, in the bootstrap Job, with the replicas' image and settings", async () => {
    const { plan } = await renderFleet(parseK8sStack());
    const job = (((named(plan.resources, "authgent-bootstrap").inputs["spec"] as Obj)["template"] as Obj)["spec"] as Obj)["containers"] as Obj[];
    const server = ((((named(plan.resources, "authgent-deployment").inputs["spec"] as Obj)["template"] as Obj)["spec"] as Obj)["containers"] as Obj[])[0] as Obj;
    expect(job).toHaveLength(1);
    expect(job[0]?.["command"]).toEqual([...BOOTSTRAP_COMMAND]);
    expect(job[0]?.["image"]).toBe(server["image"]);
    expect(job[0]?.["envFrom"]).toEqual(server["envFrom"]);
    expect(server["envFrom"]).toEqual([{ configMapRef: { name: expect.stringMatching(/^authgent-settings-/) } }, { secretRef: { name: expect.stringMatching(/^authgent-secrets-/) } }]);
  });

  it("serves the issuer's host over TLS through the chosen ingress class, with the cert-manager annotation", async () => {
    const { plan } = await renderFleet(parseK8sStack());
    const ingress = named(plan.resources, "authgent-ingress").inputs;
    expect((ingress["metadata"] as Obj)["annotations"]).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
    expect(ingress["spec"]).toEqual({
      ingressClassName: "nginx",
      tls: [{ hosts: ["auth.yourcompany.com"], secretName: "authgent-tls" }],
      rules: [{ host: "auth.yourcompany.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "authgent", port: { name: "http" } } } }] } }],
    });
  });

  it("publishes through an existing Gateway with an HTTPRoute instead of an Ingress", async () => {
    const text = k8sStackText(withKubernetes(["      gateway: { name: public, namespace: gateways, sectionName: https }"]));
    const { plan } = await renderFleet(parseK8sStack(text));
    expect(plan.resources.map((r) => r.name)).not.toContain("authgent-ingress");
    const route = named(plan.resources, "authgent-route");
    expect(route.type).toBe("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
    expect(route.inputs["spec"]).toEqual({
      parentRefs: [{ name: "public", namespace: "gateways", sectionName: "https" }],
      hostnames: ["auth.yourcompany.com"],
      rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "authgent", port: 80 }] }],
    });
  });

  it("exports the issuer URLs and the rotation command run once, in one pod", async () => {
    const text = k8sStackText(withKubernetes(["      context: prod-eu", "      namespace: identity"]));
    const { outputs } = await renderFleet(parseK8sStack(text));
    const a = outputs.authgent!;
    const values = await new Promise<string[]>((resolve) => void pulumi.all([a.issuerUrl, a.jwksUrl, a.rotateKeysCommand]).apply(resolve));
    expect(values).toEqual([K8S_ISSUER, `${K8S_ISSUER}/.well-known/jwks.json`, "kubectl --context prod-eu --namespace identity exec deployment/authgent -- authgent-server rotate-keys"]);
  });
});

describe("authgent.kubernetes: the cluster checks at preview time", () => {
  it("passes a cluster that has the ingress class, cert-manager and the ClusterIssuer, asking in the configured context", async () => {
    const cluster = fakeCluster(FULL_CLUSTER);
    const text = k8sStackText([...K8S_BLOCK, "      context: prod-eu"]);
    await expect(checkWith(parseK8sStack(text), cluster)).resolves.toBeUndefined();
    expect(cluster.asked).toEqual(FULL_CLUSTER.map((key) => `prod-eu ${key}`));
  });

  it("stops before declaring anything when the ingress class is missing, naming the key and the fix", async () => {
    const cluster = fakeCluster(FULL_CLUSTER.filter((key) => !key.startsWith("ingressclasses")));
    const error = await checkWith(parseK8sStack(), cluster).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterCheckError);
    expect((error as ClusterCheckError).code).toBe("ERR_CLUSTER_MISSING");
    expect((error as ClusterCheckError).message).toBe(
      [
        'Stack "production": the cluster lacks what authgent.kubernetes needs (keys under authgent-edge: in Pulumi.production.yaml):',
        '  - authgent.kubernetes.ingress.className is "nginx", but the cluster has no IngressClass of that name, so no controller would serve the issuer. Set it to one `kubectl get ingressclass` lists, or install that ingress controller first',
      ].join("\n"),
    );
  });

  it("reports missing cert-manager CRDs once and does not look up an issuer of a type the cluster lacks", async () => {
    const cluster = fakeCluster(["ingressclasses.networking.k8s.io/nginx"]);
    const error = (await checkWith(parseK8sStack(), cluster).catch((err: unknown) => err)) as ClusterCheckError;
    expect(error.issues.map((issue) => issue.path)).toEqual(["authgent.kubernetes.ingress.certManager"]);
    expect(error.issues[0]?.message).toContain("Install cert-manager");
    expect(cluster.asked).toHaveLength(2);
  });

  it("names a missing ClusterIssuer, and a namespaced Issuer in the target namespace", async () => {
    const missingIssuer = await checkWith(parseK8sStack(), fakeCluster(FULL_CLUSTER.slice(0, 3))).catch((err: unknown) => err as ClusterCheckError);
    expect(missingIssuer?.issues.map((i) => `${i.path} ${i.message}`)).toEqual([
      'authgent.kubernetes.ingress.certManager.clusterIssuer is "letsencrypt-prod", but the cluster has no ClusterIssuer of that name. Set it to one `kubectl get clusterissuer` lists, or create it first',
    ]);
    const namespaced = k8sStackText(withKubernetes(["      namespace: identity", "      ingress:", "        certManager: { issuer: acme }"]));
    const cluster = fakeCluster([...FULL_CLUSTER.slice(0, 2), "customresourcedefinitions.apiextensions.k8s.io/issuers.cert-manager.io"]);
    const error = (await checkWith(parseK8sStack(namespaced), cluster).catch((err: unknown) => err)) as ClusterCheckError;
    expect(cluster.asked.at(-1)).toBe("(current) issuers.cert-manager.io/identity/acme");
    expect(error.issues.map((i) => i.path)).toEqual(["authgent.kubernetes.ingress.certManager.issuer"]);
  });

  it("with a Gateway, looks up the Gateway API CRD and the Gateway in its namespace instead of an ingress class", async () => {
    const text = k8sStackText(withKubernetes(["      gateway: { name: public, namespace: gateways }"]));
    const noApi = fakeCluster([]);
    const first = (await checkWith(parseK8sStack(text), noApi).catch((err: unknown) => err)) as ClusterCheckError;
    expect(first.issues.map((i) => i.path)).toEqual(["authgent.kubernetes.gateway"]);
    expect(noApi.asked).toEqual(["(current) customresourcedefinitions.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io"]);
    const noGateway = fakeCluster(["customresourcedefinitions.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io"]);
    const second = (await checkWith(parseK8sStack(text), noGateway).catch((err: unknown) => err)) as ClusterCheckError;
    expect(second.issues.map((i) => `${i.path} ${i.message}`)).toEqual([
      'authgent.kubernetes.gateway.name is "public", but namespace gateways has no Gateway of that name. Set gateway.name and gateway.namespace to one `kubectl get gateway -A` lists',
    ]);
    const ready = fakeCluster(["customresourcedefinitions.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io/gateways/public"]);
    await expect(checkWith(parseK8sStack(text), ready)).resolves.toBeUndefined();
  });

  it("fails the whole program run (what pulumi preview runs) before any resource when the cluster lacks the class", async () => {
    const cluster = fakeCluster([]);
    const error = await renderWithCluster(parseK8sStack(), cluster).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterCheckError);
  });

  it("skips the lookups with clusterChecks: false, and offline, saying so in a note", async () => {
    const { notes } = await renderFleet(parseK8sStack());
    expect(notes).toContain('authgent.kubernetes: not checked offline that the cluster has IngressClass "nginx" and cert-manager\'s ClusterIssuer "letsencrypt-prod"; pulumi preview does');
    const off = await renderFleet(parseK8sStack(k8sStackText(withKubernetes(["      clusterChecks: false"]))));
    expect(off.notes).toContain("authgent.kubernetes.clusterChecks is false: the ingress class, cert-manager or Gateway are not looked up before the deploy");
  });

  it("asks kubectl for one object by name, in the namespace and context given, absent meaning empty output", () => {
    expect(kubectlGetArgs({ resource: "issuers.cert-manager.io", name: "acme", namespace: "identity" }, "prod-eu")).toEqual([
      "get", "issuers.cert-manager.io", "acme", "--ignore-not-found", "-o", "name", "--request-timeout=20s", "--namespace", "identity", "--context", "prod-eu",
    ]);
  });
});

/** The program's preview-time check, as deployStack runs it first. */
async function checkWith(config: ReturnType<typeof parseK8sStack>, reader: ClusterReader): Promise<void> {
  const { checkAuthgentCluster } = await import("../../../infra/authgent/kubernetes/preview-check.ts");
  await checkAuthgentCluster(config, reader, () => undefined);
}

/** The whole program with a cluster reader, as `pulumi preview` runs it (index.ts passes kubectl's). */
async function renderWithCluster(config: ReturnType<typeof parseK8sStack>, reader: ClusterReader): Promise<unknown> {
  const { startMockEngine } = await import("../../../scripts/lib/mock-engine.ts");
  const { deployStack } = await import("../../../infra/program.ts");
  const engine = await startMockEngine({ project: "authgent-edge", stack: config.stack });
  // The check runs before the bundles are built or anything is declared.
  const outputs = await deployStack(config, { migrationTags: { currentTag: async () => undefined }, cluster: reader, note: () => undefined });
  await engine.settle();
  return outputs;
}
