/**
 * In-cluster Postgres for `database.type: postgres` on Kubernetes: one
 * StatefulSet pod with its data on a PersistentVolumeClaim, reached by the
 * same host name the Docker target uses (`<name>-postgres`, here a headless
 * Service in the namespace), so `authgentEnvironment` builds one
 * `AUTHGENT_DATABASE_URL` for both targets.
 *
 * A StatefulSet rather than an operator (CloudNativePG): it needs nothing
 * installed in the cluster, and the data's fate is in this stack's hands
 * (the claim outlives the StatefulSet). Teams that want failover, PITR and
 * managed backups point `database` at an operator's or a cloud's Postgres
 * (`type: external`); docs/authgent-kubernetes.md says when.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { AuthgentConfig } from "../config.ts";
import { POSTGRES } from "../database.ts";
import type { KubernetesTarget } from "./config.ts";
import { authgentLabels, resourceRequirements, selectorLabels } from "./workload.ts";


/** Name of the claim template; claims are `<template>-<statefulset>-0`. */
export const POSTGRES_CLAIM_TEMPLATE = "data";
/**
 * The `postgres` user of the official Alpine image (the default
 * `postgres:16-alpine`). The namespace enforces the "restricted" Pod
 * Security Standard, so the container starts as that user instead of root;
 * the image's entrypoint then skips its chown step and runs initdb as it
 * (docker-library/postgres docker-entrypoint.sh; Debian-based images map an
 * unknown UID through nss_wrapper). fsGroup makes the claim writable.
 */
export const POSTGRES_UID = 70;
/** A subdirectory: initdb refuses a mount point that holds `lost+found`. */
const PGDATA = `${POSTGRES.dataPath}/pgdata`;

export function postgresServiceSpec(config: AuthgentConfig): k8s.types.input.core.v1.ServiceSpec {
  return {
    // Headless: the StatefulSet's governing Service; the name resolves to the one pod.
    clusterIP: "None",
    selector: selectorLabels(config, "postgres"),
    ports: [{ name: "postgres", port: POSTGRES.port, targetPort: "postgres", protocol: "TCP" }],
  };
}

export function postgresStatefulSetSpec(
  config: AuthgentConfig,
  target: KubernetesTarget,
  image: string,
  serviceName: string,
  passwordSecret: k8s.types.input.core.v1.SecretKeySelector,
): k8s.types.input.apps.v1.StatefulSetSpec {
  const ready = ["pg_isready", "-U", POSTGRES.user, "-d", POSTGRES.database];
  return {
    replicas: 1,
    serviceName,
    selector: { matchLabels: selectorLabels(config, "postgres") },
    // The claim outlives the StatefulSet (deleted or scaled down): the data is never dropped with it.
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    template: {
      metadata: { labels: authgentLabels(config, "postgres") },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 60,
        securityContext: { runAsNonRoot: true, runAsUser: POSTGRES_UID, runAsGroup: POSTGRES_UID, fsGroup: POSTGRES_UID, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "postgres",
            image,
            env: [
              { name: "POSTGRES_USER", value: POSTGRES.user },
              { name: "POSTGRES_DB", value: POSTGRES.database },
              { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: passwordSecret } },
              { name: "PGDATA", value: PGDATA },
            ],
            ports: [{ name: "postgres", containerPort: POSTGRES.port, protocol: "TCP" }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            resources: resourceRequirements(target.postgres.resources),
            readinessProbe: { exec: { command: ready }, periodSeconds: 5, timeoutSeconds: 3 },
            livenessProbe: { exec: { command: ready }, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 6, initialDelaySeconds: 30 },
            volumeMounts: [{ name: POSTGRES_CLAIM_TEMPLATE, mountPath: POSTGRES.dataPath }],
          },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: POSTGRES_CLAIM_TEMPLATE, labels: authgentLabels(config, "postgres") },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(target.postgres.storageClassName ? { storageClassName: target.postgres.storageClassName } : {}),
          resources: { requests: { storage: target.postgres.storage } },
        },
      },
    ],
  };
}

/** Only Authgent's pods (server and bootstrap) may open a connection to Postgres. */
export function postgresNetworkPolicySpec(config: AuthgentConfig): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selectorLabels(config, "postgres") },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          { podSelector: { matchLabels: { "app.kubernetes.io/instance": config.name, "app.kubernetes.io/component": "server" } } },
          { podSelector: { matchLabels: { "app.kubernetes.io/instance": config.name, "app.kubernetes.io/component": "bootstrap" } } },
        ],
        ports: [{ port: POSTGRES.port, protocol: "TCP" }],
      },
    ],
  };
}
