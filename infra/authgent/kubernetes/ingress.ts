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

/** Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1, GA since Gateway API v1.0). */
export const HTTP_ROUTE = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" } as const;

/**
 * The route for `authgent.kubernetes.gateway`: the issuer's host, every path,
 * to the Service. TLS is the Gateway listener's (its certificate is for the
 * issuer's host); the Gateway must allow routes from this namespace.
 */
export function httpRouteSpec(config: AuthgentConfig, gateway: NonNullable<KubernetesTarget["gateway"]>, serviceName: string, servicePort: number): Record<string, unknown> {
  return {
    parentRefs: [{ name: gateway.name, namespace: gateway.namespace, ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}) }],
    hostnames: [new URL(config.issuer).hostname],
    rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: serviceName, port: servicePort }] }],
  };
}
