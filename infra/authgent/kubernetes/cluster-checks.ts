/**
 * What `authgent.kubernetes` needs the cluster to have already, checked
 * before any resource is declared, so `pulumi preview` stops with the key to
 * fix instead of `pulumi up` leaving an Ingress no controller serves or a
 * certificate nobody issues. The lookups go through a `ClusterReader` (the
 * program passes one that runs kubectl with the provider's kubeconfig and
 * context; tests pass a fake; the offline plan passes none and says so).
 */
import type { KubernetesTarget } from "./config.ts";

/** One object the deployment relies on, as kubectl names its resource type. */
export interface ClusterObject {
  /** Fully qualified resource type, e.g. "ingressclasses.networking.k8s.io". */
  readonly resource: string;
  readonly name: string;
  /** For namespaced resources. */
  readonly namespace?: string | undefined;
}

export interface ClusterReader {
  /**
   * Whether the object exists in the cluster of `context` (the current one when undefined).
   * @throws ClusterCheckError ERR_CLUSTER_UNREACHABLE when the cluster cannot be asked
   */
  exists(object: ClusterObject, context: string | undefined): Promise<boolean>;
}

/** A requirement, the key that decides it, and what to do when it is missing. */
interface Requirement {
  readonly object: ClusterObject;
  readonly path: string;
  readonly missing: string;
  /** Checked only when this earlier requirement (a CRD) is met. */
  readonly after?: Requirement;
}

export interface ClusterIssue {
  readonly path: string;
  readonly message: string;
}

export type ClusterCheckErrorCode = "ERR_CLUSTER_MISSING" | "ERR_CLUSTER_UNREACHABLE";

export class ClusterCheckError extends Error {
  readonly code: ClusterCheckErrorCode;
  readonly issues: readonly ClusterIssue[];

  constructor(code: ClusterCheckErrorCode, message: string, issues: readonly ClusterIssue[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = "ClusterCheckError";
    this.code = code;
    this.issues = issues;
  }
}

const INGRESS_CLASSES = "ingressclasses.networking.k8s.io";
const CRDS = "customresourcedefinitions.apiextensions.k8s.io";

/** What the target needs from the cluster, in the order it is checked. */
export function clusterRequirements(target: KubernetesTarget): Requirement[] {
  if (target.gateway !== undefined) return gatewayRequirements(target.gateway);
  const className = target.ingress.className;
  const requirements: Requirement[] = [
    {
      object: { resource: INGRESS_CLASSES, name: className },
      path: "authgent.kubernetes.ingress.className",
      missing: `is "${className}", but the cluster has no IngressClass of that name, so no controller would serve the issuer. Set it to one \`kubectl get ingressclass\` lists, or install that ingress controller first`,
    },
  ];
  const manager = target.ingress.certManager;
  if (manager === undefined) return requirements;
  // cert-manager's ingress-shim turns the annotation into a Certificate, issued by the named (Cluster)Issuer.
  const plural = manager.kind === "ClusterIssuer" ? "clusterissuers" : "issuers";
  const key = manager.kind === "ClusterIssuer" ? "clusterIssuer" : "issuer";
  const certificates: Requirement = {
    object: { resource: CRDS, name: "certificates.cert-manager.io" },
    path: `authgent.kubernetes.ingress.certManager`,
    missing: "needs cert-manager, but the cluster has no certificates.cert-manager.io CRD. Install cert-manager (https://cert-manager.io/docs/installation/), or remove certManager and set ingress.tlsSecretName to a TLS Secret you provide",
  };
  const issuers: Requirement = {
    object: { resource: CRDS, name: `${plural}.cert-manager.io` },
    path: `authgent.kubernetes.ingress.certManager.${key}`,
    missing: `needs cert-manager's ${manager.kind} CRD (${plural}.cert-manager.io), which the cluster lacks. Install cert-manager, or remove certManager and set ingress.tlsSecretName`,
    after: certificates,
  };
  requirements.push(certificates, issuers, {
    object: { resource: `${plural}.cert-manager.io`, name: manager.name, ...(manager.kind === "Issuer" ? { namespace: target.namespace } : {}) },
    path: `authgent.kubernetes.ingress.certManager.${key}`,
    missing:
      manager.kind === "ClusterIssuer"
        ? `is "${manager.name}", but the cluster has no ClusterIssuer of that name. Set it to one \`kubectl get clusterissuer\` lists, or create it first`
        : `is "${manager.name}", but namespace ${target.namespace} has no Issuer of that name. Set it to one \`kubectl get issuer -n ${target.namespace}\` lists, or use clusterIssuer`,
    after: issuers,
  });
  return requirements;
}

/** An HTTPRoute needs the Gateway API's CRDs and the Gateway it attaches to. */
function gatewayRequirements(gateway: NonNullable<KubernetesTarget["gateway"]>): Requirement[] {
  const routes: Requirement = {
    object: { resource: CRDS, name: "httproutes.gateway.networking.k8s.io" },
    path: "authgent.kubernetes.gateway",
    missing: "needs the Gateway API, but the cluster has no httproutes.gateway.networking.k8s.io CRD. Install the Gateway API CRDs and a controller (https://gateway-api.sigs.k8s.io/guides/), or remove gateway to use an Ingress",
  };
  return [
    routes,
    {
      object: { resource: "gateways.gateway.networking.k8s.io", name: gateway.name, namespace: gateway.namespace },
      path: "authgent.kubernetes.gateway.name",
      missing: `is "${gateway.name}", but namespace ${gateway.namespace} has no Gateway of that name. Set gateway.name and gateway.namespace to one \`kubectl get gateway -A\` lists`,
      after: routes,
    },
  ];
}

/**
 * Every requirement the cluster does not meet. A requirement whose CRD is
 * missing is not looked up (kubectl would only say the type is unknown).
 */
export async function clusterIssues(target: KubernetesTarget, reader: ClusterReader): Promise<ClusterIssue[]> {
  const met = new Map<Requirement, boolean>();
  const issues: ClusterIssue[] = [];
  for (const requirement of clusterRequirements(target)) {
    if (requirement.after !== undefined && met.get(requirement.after) !== true) {
      met.set(requirement, false);
      continue;
    }
    const exists = await reader.exists(requirement.object, target.context);
    met.set(requirement, exists);
    if (!exists) issues.push({ path: requirement.path, message: requirement.missing });
  }
  return issues;
}

/** Throws `ClusterCheckError` ERR_CLUSTER_MISSING listing every unmet requirement. */
export async function assertClusterReady(stack: string, target: KubernetesTarget, reader: ClusterReader): Promise<void> {
  const issues = await clusterIssues(target, reader);
  if (issues.length === 0) return;
  const lines = issues.map((issue) => `  - ${issue.path} ${issue.message}`);
  throw new ClusterCheckError(
    "ERR_CLUSTER_MISSING",
    [`Stack "${stack}": the cluster${target.context ? ` (context ${target.context})` : ""} lacks what authgent.kubernetes needs (keys under authgent-edge: in Pulumi.${stack}.yaml):`, ...lines].join("\n"),
    issues,
  );
}
