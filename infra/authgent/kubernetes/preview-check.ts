import type { FleetConfig } from "../../config.ts";
import { isAuthgentConfig } from "../config.ts";
import { assertClusterReady, type ClusterReader } from "./cluster-checks.ts";

/**
 * Before anything is declared: a stack whose Authgent runs on Kubernetes
 * must find its ingress class (and cert-manager, when used) in the cluster.
 * Without a reader (the offline plan, which has no cluster) nothing is
 * checked and a note says so.
 * @throws ClusterCheckError naming each key whose object the cluster lacks
 */
export async function checkAuthgentCluster(fleet: FleetConfig, reader: ClusterReader | undefined, note: (message: string) => void): Promise<void> {
  const block = fleet.authgent;
  if (!isAuthgentConfig(block) || block.kubernetes === undefined) return;
  const target = block.kubernetes;
  if (!target.clusterChecks) {
    note("authgent.kubernetes.clusterChecks is false: the ingress class, cert-manager or Gateway are not looked up before the deploy");
    return;
  }
  if (reader === undefined) {
    const what = target.gateway
      ? `Gateway ${target.gateway.namespace}/${target.gateway.name} and the Gateway API CRDs`
      : `IngressClass "${target.ingress.className}"${target.ingress.certManager ? ` and cert-manager's ${target.ingress.certManager.kind} "${target.ingress.certManager.name}"` : ""}`;
    note(`authgent.kubernetes: not checked offline that the cluster has ${what}; pulumi preview does`);
    return;
  }
  await assertClusterReady(fleet.stack, target, reader);
}
