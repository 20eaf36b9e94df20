/**
 * The authgent-server pods: the Deployment's spec and the one-off bootstrap
 * Job's, as pure functions of the validated block (tests and the schema
 * check read exactly what the component declares). Both run the same image
 * with the same ConfigMap and Secret.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AuthgentConfig } from "../config.ts";
import { BOOTSTRAP_COMMAND, serverCommand } from "../server-command.ts";
import { AUTHGENT_PORT, AUTHGENT_UID } from "../server-release.ts";
import type { KubernetesTarget, Resources } from "./config.ts";


/** Name of the container port, so probes and the Service follow it. */
export const HTTP_PORT_NAME = "http";
/** Where the writable scratch directory goes (the root filesystem is read-only). */
const TMP_PATH = "/tmp";
/** Name of the pod volume holding the SQLite database (`database.type: sqlite`). */
export const SQLITE_VOLUME = "data";

/** Labels shared by every object of one Authgent; `component` tells the server, bootstrap and Postgres apart. */
export function authgentLabels(config: AuthgentConfig, component: "server" | "bootstrap" | "postgres"): Record<string, string> {
  return {
    "app.kubernetes.io/name": component === "postgres" ? "postgres" : "authgent-server",
    "app.kubernetes.io/instance": config.name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "authgent-edge",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The labels a selector matches on: stable across upgrades (a Deployment's selector is immutable). */
export function selectorLabels(config: AuthgentConfig, component: "server" | "postgres"): Record<string, string> {
  const labels = authgentLabels(config, component);
  return { "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"] ?? config.name, "app.kubernetes.io/component": component };
}

export interface PodInputs {
  /** `authgent.image` (validated: pinned by digest). */
  readonly image: string;
  /** Name of the ConfigMap with the plain settings. */
  readonly settingsConfigMap: pulumi.Input<string>;
  /** Name of the Secret with the secret settings. */
  readonly settingsSecret: pulumi.Input<string>;
  /** The SQLite PersistentVolumeClaim, `database.type: sqlite` only. */
  readonly sqliteClaim?: pulumi.Input<string> | undefined;
}

export function resourceRequirements(resources: Resources): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
    limits: { ...(resources.limits.cpu ? { cpu: resources.limits.cpu } : {}), memory: resources.limits.memory },
  };
}

/**
 * The image is built with a fixed non-root UID (dockerfile.ts); the pod
 * enforces it, and fsGroup lets that user write the SQLite volume. The
 * Kubernetes "restricted" Pod Security Standard passes.
 */
function podSecurityContext(): k8s.types.input.core.v1.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: AUTHGENT_UID, runAsGroup: AUTHGENT_UID, fsGroup: AUTHGENT_UID, seccompProfile: { type: "RuntimeDefault" } };
}

const CONTAINER_SECURITY: k8s.types.input.core.v1.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

function containerBase(config: AuthgentConfig, inputs: PodInputs): k8s.types.input.core.v1.Container {
  const sqlite = inputs.sqliteClaim !== undefined;
  return {
    name: "authgent",
    image: inputs.image,
    envFrom: [{ configMapRef: { name: inputs.settingsConfigMap } }, { secretRef: { name: inputs.settingsSecret } }],
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [{ name: "tmp", mountPath: TMP_PATH }, ...(sqlite ? [{ name: SQLITE_VOLUME, mountPath: config.dataPath }] : [])],
  };
}

function podVolumes(inputs: PodInputs): k8s.types.input.core.v1.Volume[] {
  return [
    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ...(inputs.sqliteClaim !== undefined ? [{ name: SQLITE_VOLUME, persistentVolumeClaim: { claimName: inputs.sqliteClaim } }] : []),
  ];
}

/**
 * Scheduling spread: replicas on different nodes, so one node's loss or
 * drain leaves the issuer up. "preferred" still schedules when there are
 * fewer nodes than pods (and during a rolling update's surge); "required"
 * refuses to.
 */
function antiAffinity(config: AuthgentConfig, target: KubernetesTarget): k8s.types.input.core.v1.Affinity {
  const term = { labelSelector: { matchLabels: selectorLabels(config, "server") }, topologyKey: "kubernetes.io/hostname" };
  return target.spreadAcrossNodes === "required"
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

/**
 * The server pods. Readiness is `/ready` (database answers and an active
 * signing key exists: endpoints/health.py), so a pod only gets traffic once
 * it can sign; liveness is `/health`, which never touches the database, so
 * a database outage takes pods out of the Service without restarting them.
 */
export function deploymentSpec(config: AuthgentConfig, target: KubernetesTarget, inputs: PodInputs): k8s.types.input.apps.v1.DeploymentSpec {
  const sqlite = inputs.sqliteClaim !== undefined;
  const container: k8s.types.input.core.v1.Container = {
    ...containerBase(config, inputs),
    command: serverCommand({ forwardedAllowIps: config.forwardedAllowIps }),
    ports: [{ name: HTTP_PORT_NAME, containerPort: AUTHGENT_PORT, protocol: "TCP" }],
    resources: resourceRequirements(target.resources),
    // Slow first starts (image pull done, database still coming up) must not trip liveness.
    startupProbe: { httpGet: { path: "/health", port: HTTP_PORT_NAME }, periodSeconds: 2, failureThreshold: 60, timeoutSeconds: 2 },
    readinessProbe: { httpGet: { path: "/ready", port: HTTP_PORT_NAME }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
    livenessProbe: { httpGet: { path: "/health", port: HTTP_PORT_NAME }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    // Ingress controllers drop a terminating pod's endpoint a few seconds after
    // it is told to stop; keep serving meanwhile so no request hits a closed port.
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
  };
  return {
    replicas: target.replicas,
    selector: { matchLabels: selectorLabels(config, "server") },
    // SQLite: one pod owns the file; the old one must stop before the new one opens it.
    strategy: sqlite ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    minReadySeconds: 5,
    revisionHistoryLimit: 5,
    template: {
      metadata: { labels: authgentLabels(config, "server") },
      spec: {
        securityContext: podSecurityContext(),
        affinity: antiAffinity(config, target),
        terminationGracePeriodSeconds: PRE_STOP_SECONDS + 25,
        automountServiceAccountToken: false,
        containers: [container],
        volumes: podVolumes(inputs),
      },
    },
  };
}

/** Seconds a stopping pod keeps serving before uvicorn gets SIGTERM. */
const PRE_STOP_SECONDS = 5;

/**
 * authgent-server's first start, alone (`BOOTSTRAP_COMMAND`): tables and the
 * first signing key exist before any replica starts. A new image or new
 * settings make a new Job (they are in its pod template), so it runs once per
 * rollout, before the Deployment changes.
 */
export function bootstrapJobSpec(config: AuthgentConfig, target: KubernetesTarget, inputs: PodInputs): k8s.types.input.batch.v1.JobSpec {
  return {
    backoffLimit: 6,
    activeDeadlineSeconds: 600,
    template: {
      metadata: { labels: authgentLabels(config, "bootstrap") },
      spec: {
        restartPolicy: "Never",
        securityContext: podSecurityContext(),
        automountServiceAccountToken: false,
        containers: [{ ...containerBase(config, inputs), command: [...BOOTSTRAP_COMMAND], resources: resourceRequirements(target.resources) }],
        volumes: podVolumes(inputs),
      },
    },
  };
}
