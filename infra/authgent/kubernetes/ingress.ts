/**
 * How the issuer reaches the internet on Kubernetes: an Ingress of the
 * cluster's ingress class for the issuer's host, TLS with a certificate
 * cert-manager issues (its ingress-shim reads the annotation and fills the
 * Secret) or one you provide. The issuer is an origin (issuer.ts), so one
 * path, `/`, carries metadata, JWKS, /register, /authorize and /token.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { AuthgentConfig } from "../config.ts";
import type { KubernetesTarget } from "./config.ts";


/** cert-manager's ingress-shim annotations (cert-manager.io/docs/usage/ingress/). */
export const CERT_MANAGER_ANNOTATIONS = { ClusterIssuer: "cert-manager.io/cluster-issuer", Issuer: "cert-manager.io/issuer" } as const;

export function tlsSecretName(config: AuthgentConfig, target: KubernetesTarget): string {
  return target.ingress.tlsSecretName ?? `${config.name}-tls`;
}

export function ingressAnnotations(target: KubernetesTarget): Record<string, string> {
  const manager = target.ingress.certManager;
  return { ...target.ingress.annotations, ...(manager ? { [CERT_MANAGER_ANNOTATIONS[manager.kind]]: manager.name } : {}) };
}

export function ingressSpec(config: AuthgentConfig, target: KubernetesTarget, serviceName: string, servicePort: string): k8s.types.input.networking.v1.IngressSpec {
  const host = new URL(config.issuer).hostname;
  return {
    ingressClassName: target.ingress.className,
    tls: [{ hosts: [host], secretName: tlsSecretName(config, target) }],
    rules: [
      {
        host,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: serviceName, port: { name: servicePort } } } }] },
      },
    ],
  };
}
