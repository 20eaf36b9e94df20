/**
 * `authgent.kubernetes` in the stack config: bad input stops every reader
 * (npm run plan, pulumi preview) with the key and the fix.
 */
import { describe, expect, it } from "vitest";
import { isAuthgentConfig } from "../../../infra/authgent/config.ts";
import { DEFAULT_RESOURCES } from "../../../infra/authgent/kubernetes/config.ts";
import { K8S_BLOCK, K8S_IMAGE, K8S_ISSUER, SECURE, k8sProblems, k8sStackText, parseK8sStack, withKubernetes } from "./kubernetes-fixtures.ts";

const SQLITE_BLOCK = [`    issuer: ${K8S_ISSUER}`, `    image: ${K8S_IMAGE}`, "    secretKey:", ...SECURE];

describe("authgent.kubernetes defaults", () => {
  it("runs two replicas in namespace authgent behind the nginx ingress class, with requests, a memory limit and cluster checks on", () => {
    const authgent = parseK8sStack().authgent;
    if (!isAuthgentConfig(authgent)) throw new Error("not parsed");
    expect(authgent.host).toBeUndefined();
    expect(authgent.kubernetes).toEqual({
      context: undefined,
      namespace: "authgent",
      createNamespace: true,
      replicas: 2,
      spreadAcrossNodes: "preferred",
      resources: DEFAULT_RESOURCES,
      ingress: { className: "nginx", certManager: { kind: "ClusterIssuer", name: "letsencrypt-prod" }, tlsSecretName: undefined, annotations: {} },
      postgres: { storage: "10Gi", storageClassName: undefined, resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } } },
      sqlite: { storage: "1Gi", storageClassName: undefined },
      clusterChecks: true,
    });
    // Behind the ingress controller, whose pod addresses are not fixed, uvicorn trusts forwarded headers from any peer.
    expect(authgent.forwardedAllowIps).toBe("*");
  });

  it("accepts one replica with SQLite (its own volume, no shared database needed)", () => {
    expect(k8sProblems(k8sStackText([...SQLITE_BLOCK, "    kubernetes:", "      replicas: 1"]))).toEqual([]);
  });
});

describe("authgent.kubernetes refuses, naming the key and the fix", () => {
  it("replicas below 1", () => {
    expect(k8sProblems(k8sStackText(withKubernetes(["      replicas: 0"])))).toEqual([
      "authgent.kubernetes.replicas must be at least 1 (no pod means no issuer: every token request fails); use 2 or more with Postgres",
    ]);
  });

  it("SQLite with more than one replica (the default two)", () => {
    expect(k8sProblems(k8sStackText([...SQLITE_BLOCK, "    kubernetes: {}"]))).toEqual([
      "authgent.kubernetes.replicas is 2 but authgent.database is type sqlite, a file only one pod can hold: each replica would keep its own clients and signing keys. " +
        "Set authgent.database to { type: postgres } (in the cluster) or { type: external, url: postgresql+psycopg://user:password@host:5432/dbname?options=-c%20TimeZone%3DUTC }, or replicas: 1",
    ]);
  });

  it("an external sqlite+aiosqlite:// URL with more than one replica", () => {
    // The URL is a secret; the real value is only seen once decrypted, as pulumi preview sees it.
    const config = parseK8sStack(k8sStackText([...SQLITE_BLOCK, "    kubernetes: { replicas: 1 }"]));
    expect(isAuthgentConfig(config.authgent)).toBe(true);
    const text = k8sStackText([...SQLITE_BLOCK, "    database: { type: external, url: 'sqlite+aiosqlite:////data/authgent.db' }", "    kubernetes: { replicas: 3 }"]);
    expect(k8sProblems(text)).toContain(
      "authgent.kubernetes.replicas is 3 but authgent.database is an external sqlite+aiosqlite:// URL, a file only one pod can hold: each replica would keep its own clients and signing keys. " +
        "Set authgent.database to { type: postgres } (in the cluster) or { type: external, url: postgresql+psycopg://user:password@host:5432/dbname?options=-c%20TimeZone%3DUTC }, or replicas: 1",
    );
  });

  it("a missing secret key, with the command that stores it", () => {
    const block = K8S_BLOCK.filter((line, i) => line !== "    secretKey:" && K8S_BLOCK[i - 1] !== "    secretKey:");
    const config = parseK8sStack(k8sStackText(block));
    // Offline: a visible placeholder and a warning; pulumi preview refuses (the shared rule, stack.test.ts).
    expect(config.warnings?.map((w) => w.path)).toEqual(["authgent.secretKey"]);
    expect(config.warnings?.[0]?.message).toContain("npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.secretKey --stack production");
  });

  it("no image: the cluster cannot pull the image the Docker target builds on its host", () => {
    const block = K8S_BLOCK.filter((line) => !line.startsWith("    image:"));
    expect(k8sProblems(k8sStackText(block))).toEqual([
      'authgent.image is required with authgent.kubernetes (the cluster pulls authgent-server from a registry): build the image (docs/authgent-kubernetes.md "The image"), push it, and set authgent.image to registry.yourcompany.com/authgent-server@sha256:<digest>',
    ]);
  });

  it("an image pinned by tag only", () => {
    const block = K8S_BLOCK.map((line) => (line.startsWith("    image:") ? "    image: registry.yourcompany.com/authgent-server:0.3.4" : line));
    expect(k8sProblems(k8sStackText(block))).toEqual([
      'authgent.image must be pinned by digest with authgent.kubernetes, got "registry.yourcompany.com/authgent-server:0.3.4": a tag can move between two pods\' pulls, so replicas of one issuer could run different servers; write it as <image>@sha256:<digest> (docker buildx imagetools inspect <image> prints it)',
    ]);
  });

  it("build: (the Docker host's own image build)", () => {
    expect(k8sProblems(k8sStackText([...K8S_BLOCK.filter((line) => !line.startsWith("    image:")), "    build: { version: 0.3.4 }"]))).toEqual([
      'authgent.build builds on a Docker host, which a cluster cannot pull from; remove it and build the image (docs/authgent-kubernetes.md "The image"), push it, and set authgent.image to registry.yourcompany.com/authgent-server@sha256:<digest>',
    ]);
  });

  it("both a Docker host and a cluster, and neither", () => {
    expect(k8sProblems(k8sStackText(["    host: ssh://deploy@vps.yourcompany.com", ...K8S_BLOCK]))).toEqual([
      "authgent.kubernetes and authgent.host are exclusive: a stack runs Authgent on one Docker host or on one cluster; remove one of the two",
    ]);
    expect(k8sProblems(k8sStackText(K8S_BLOCK.slice(0, K8S_BLOCK.indexOf("    kubernetes:"))))).toEqual([
      "authgent.host is required: the Docker host to run Authgent on (ssh://user@host[:port] or tcp://host:2376), or set authgent.kubernetes instead to run it on a cluster",
    ]);
  });

  it("Docker-only keys (Caddy's tls, sshOpts)", () => {
    expect(k8sProblems(k8sStackText([...K8S_BLOCK, "    tls: { email: ops@yourcompany.com }", '    sshOpts: ["-v"]']))).toEqual([
      "authgent.sshOpts applies to the Docker host only; remove it (authgent.kubernetes is set)",
      "authgent.tls applies to the Docker host only (Caddy); on Kubernetes the Ingress terminates TLS: use authgent.kubernetes.ingress (certManager or tlsSecretName)",
    ]);
  });

  it("an issuer the Ingress cannot serve (a port, an IP address)", () => {
    const block = (issuer: string) => K8S_BLOCK.map((line) => (line.startsWith("    issuer:") ? `    issuer: ${issuer}` : line));
    expect(k8sProblems(k8sStackText(block("https://auth.yourcompany.com:8443")))).toEqual(['authgent.issuer must use the default https port behind the Ingress; remove ":8443"']);
    expect(k8sProblems(k8sStackText(block("https://10.0.0.5")))).toEqual(['authgent.issuer needs a DNS name for the Ingress host and its certificate, got "10.0.0.5"']);
  });

  it("cert-manager naming both or neither issuer kind, and cert-manager annotations set by hand", () => {
    expect(k8sProblems(k8sStackText(withKubernetes(["      ingress:", "        certManager: { clusterIssuer: a, issuer: b }"])))).toEqual([
      "authgent.kubernetes.ingress.certManager must name exactly one of clusterIssuer (cluster-wide) and issuer (in authgent.kubernetes.namespace)",
    ]);
    expect(k8sProblems(k8sStackText(withKubernetes(["      ingress:", "        annotations: { cert-manager.io/cluster-issuer: x }"])))).toEqual([
      "authgent.kubernetes.ingress.annotations.cert-manager.io/cluster-issuer comes from authgent.kubernetes.ingress.certManager; set the issuer there",
    ]);
  });

  it("malformed quantities and names", () => {
    expect(k8sProblems(k8sStackText(withKubernetes(["      namespace: Auth_Gent", "      resources: { limits: { memory: lots } }", "      postgres: { storage: 10 }"])))).toEqual([
      "authgent.kubernetes.namespace must be a namespace name (lowercase letters, digits and '-', at most 63)",
      'authgent.kubernetes.resources.limits.memory must be a size like "512Mi" or "10Gi"',
      'authgent.kubernetes.postgres.storage must be a size like "512Mi" or "10Gi" (quote it)',
    ]);
  });

  it("Ingress keys next to a Gateway (its listener holds the certificate), naming each", () => {
    expect(k8sProblems(k8sStackText(withKubernetes(["      gateway: { name: public }", "      ingress:", "        certManager: { clusterIssuer: letsencrypt-prod }", "        className: traefik"])))).toEqual([
      "authgent.kubernetes.ingress.className applies to the Ingress, and authgent.kubernetes.gateway replaces it; configure TLS on the Gateway's listener instead, or remove gateway",
      "authgent.kubernetes.ingress.certManager applies to the Ingress, and authgent.kubernetes.gateway replaces it; configure TLS on the Gateway's listener instead, or remove gateway",
    ]);
    const config = parseK8sStack(k8sStackText(withKubernetes(["      namespace: identity", "      gateway: { name: public }"])));
    if (!isAuthgentConfig(config.authgent)) throw new Error("not parsed");
    expect(config.authgent.kubernetes?.gateway).toEqual({ name: "public", namespace: "identity", sectionName: undefined });
  });

  it("a misspelt key", () => {
    expect(k8sProblems(k8sStackText(withKubernetes(["      replica: 3"])))).toEqual([
      'authgent.kubernetes.replica is not a known setting: check the spelling against the README\'s "Stack config" table',
    ]);
  });
});
