import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AuthgentConfig } from "../config.ts";
import { DATA_VOLUME_OPTIONS } from "../container-defaults.ts";
import { authgentEnvironment, postgresHost } from "../environment.ts";
import { issuerUrls } from "../urls.ts";
import type { KubernetesTarget } from "./config.ts";
import { HTTP_ROUTE, httpRouteSpec, ingressAnnotations, ingressSpec } from "./ingress.ts";
import { postgresNetworkPolicySpec, postgresServiceSpec, postgresStatefulSetSpec } from "./postgres.ts";
import { splitSettings } from "./settings.ts";
import { authgentLabels, bootstrapJobSpec, deploymentSpec, HTTP_PORT_NAME, selectorLabels, type PodInputs } from "./workload.ts";


export interface AuthgentClusterArgs {
  /**
   * The validated `authgent:` block with `kubernetes` set
   * (`authgentConfigSchema`); every field is documented, with its default, on
   * `AuthgentConfigInput` and `KubernetesTargetInput`.
   */
  readonly config: AuthgentConfig;
  /** Every scope the fleet's servers check: advertised as `scopes_supported`. @default [] */
  readonly scopes?: readonly string[];
  /** Escape hatch: adjust an object's arguments before it is created. @default {} (no change) */
  readonly transform?: AuthgentClusterTransforms;
}

export interface AuthgentClusterTransforms {
  /** The authgent-server Deployment. @default identity */
  readonly deployment?: (args: k8s.apps.v1.DeploymentArgs) => k8s.apps.v1.DeploymentArgs;
  /** The Ingress (e.g. controller-specific fields). @default identity */
  readonly ingress?: (args: k8s.networking.v1.IngressArgs) => k8s.networking.v1.IngressArgs;
}

/** The Service's port (plain HTTP inside the cluster; TLS ends at the Ingress or Gateway). */
const SERVICE_PORT = 80;
/** Key of the Postgres password in its Secret. */
const POSTGRES_PASSWORD_KEY = "password";

/**
 * The released authgent-server on a Kubernetes cluster: a Deployment of
 * `replicas` pods behind a Service and a TLS Ingress, settings in a
 * ConfigMap and a Secret, a one-off bootstrap Job that does the first start
 * before any replica, a PodDisruptionBudget, and (`database.type:
 * postgres`) an in-cluster Postgres StatefulSet whose volume outlives it.
 *
 * Every object goes through this component's own provider (the block's
 * kubeconfig context), never whatever cluster the ambient default points at.
 */
export class AuthgentCluster extends pulumi.ComponentResource {
  readonly issuerUrl: pulumi.Output<string>;
  readonly jwksUrl: pulumi.Output<string>;
  readonly metadataUrl: pulumi.Output<string>;
  /** Namespace and name of the server Deployment (for `kubectl exec deploy/<name> -- authgent-server rotate-keys`). */
  readonly namespace: string;
  readonly deploymentName: pulumi.Output<string>;

  constructor(name: string, args: AuthgentClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("authgent-edge:authgent:AuthgentCluster", name, {}, opts);
    const { config, transform = {} } = args;
    const target = config.kubernetes;
    if (target === undefined) throw new Error("AuthgentCluster needs authgent.kubernetes (a stack with authgent.host deploys AuthgentServer)");
    if (config.image === undefined) throw new Error("authgent.image is not set (the stack config validation reports how to set it)");
    this.namespace = target.namespace;

    const provider = new k8s.Provider(`${name}-k8s`, { ...(target.context ? { context: target.context } : {}), namespace: target.namespace }, { parent: this });
    const child: pulumi.CustomResourceOptions = { parent: this, provider };
    const namespace = this.createNamespace(name, target, child);
    const scoped: pulumi.CustomResourceOptions = { ...child, ...(namespace ? { dependsOn: [namespace] } : {}) };
    const meta = (component: "server" | "bootstrap" | "postgres", fixedName?: string): k8s.types.input.meta.v1.ObjectMeta => ({
      ...(fixedName ? { name: fixedName } : {}),
      namespace: target.namespace,
      labels: authgentLabels(config, component),
    });

    // Auto-named (no metadata.name): a change of settings replaces them under a
    // new name, which changes the pod templates that reference them, which
    // rolls the Deployment and re-runs the bootstrap Job.
    const settings = splitSettings(authgentEnvironment(config, args.scopes ?? []));
    const configMap = new k8s.core.v1.ConfigMap(`${name}-settings`, { metadata: meta("server"), data: settings.plain }, scoped);
    const secret = new k8s.core.v1.Secret(`${name}-secrets`, { metadata: meta("server"), type: "Opaque", stringData: settings.secret }, scoped);

    const postgres = this.createPostgres(name, config, target, meta, scoped);
    const sqliteClaim = this.createSqliteClaim(name, config, target, meta, scoped);
    const pod: PodInputs = { image: config.image, settingsConfigMap: configMap.metadata.name, settingsSecret: secret.metadata.name, sqliteClaim: sqliteClaim?.metadata.name };

    // SQLite has one replica, which does its own first start (there is nobody to race).
    const bootstrap =
      sqliteClaim === undefined
        ? new k8s.batch.v1.Job(`${name}-bootstrap`, { metadata: meta("bootstrap"), spec: bootstrapJobSpec(config, target, { ...pod, sqliteClaim: undefined }) }, {
            ...scoped,
            dependsOn: [...(namespace ? [namespace] : []), ...(postgres ? [postgres] : [])],
          })
        : undefined;

    const deploymentArgs: k8s.apps.v1.DeploymentArgs = { metadata: meta("server", config.name), spec: deploymentSpec(config, target, pod) };
    const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, transform.deployment ? transform.deployment(deploymentArgs) : deploymentArgs, {
      ...scoped,
      dependsOn: [...(namespace ? [namespace] : []), ...(bootstrap ? [bootstrap] : []), ...(postgres ? [postgres] : [])],
    });

    this.createFrontDoor(name, config, target, meta("server", config.name), scoped, transform.ingress);

    const urls = issuerUrls(config.issuer);
    this.issuerUrl = pulumi.output(urls.issuerUrl);
    this.jwksUrl = pulumi.output(urls.jwksUrl);
    this.metadataUrl = pulumi.output(urls.metadataUrl);
    this.deploymentName = deployment.metadata.name;
    this.registerOutputs({ issuerUrl: this.issuerUrl, jwksUrl: this.jwksUrl, metadataUrl: this.metadataUrl, deploymentName: this.deploymentName });
  }

  /**
   * How the replicas are reached and kept available: a PodDisruptionBudget
   * (one pod at a time for node drains and upgrades, so 2+ replicas keep the
   * issuer up), the Service, and the TLS Ingress for the issuer's host (or,
   * with `gateway`, an HTTPRoute on that Gateway).
   */
  private createFrontDoor(
    name: string,
    config: AuthgentConfig,
    target: KubernetesTarget,
    metadata: k8s.types.input.meta.v1.ObjectMeta,
    opts: pulumi.CustomResourceOptions,
    transform: AuthgentClusterTransforms["ingress"],
  ): void {
    const selector = selectorLabels(config, "server");
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } }, opts);
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      { metadata, spec: { type: "ClusterIP", selector, ports: [{ name: HTTP_PORT_NAME, port: SERVICE_PORT, targetPort: HTTP_PORT_NAME, protocol: "TCP" }] } },
      opts,
    );
    if (target.gateway !== undefined) {
      new k8s.apiextensions.CustomResource(
        `${name}-route`,
        { ...HTTP_ROUTE, metadata, spec: httpRouteSpec(config, target.gateway, config.name, SERVICE_PORT) },
        { ...opts, dependsOn: [service] },
      );
      return;
    }
    const ingressArgs: k8s.networking.v1.IngressArgs = {
      metadata: { ...metadata, annotations: ingressAnnotations(target) },
      spec: ingressSpec(config, target, config.name, HTTP_PORT_NAME),
    };
    new k8s.networking.v1.Ingress(`${name}-ingress`, transform ? transform(ingressArgs) : ingressArgs, { ...opts, dependsOn: [service] });
  }

  /**
   * Deleting a namespace deletes everything in it, the database's claim
   * included: kept on destroy and protected, like the Docker data volumes.
   */
  private createNamespace(name: string, target: KubernetesTarget, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace | undefined {
    if (!target.createNamespace) return undefined;
    return new k8s.core.v1.Namespace(
      `${name}-namespace`,
      // The restricted Pod Security Standard: every pod here runs as non-root with no privileges.
      { metadata: { name: target.namespace, labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" } } },
      { ...opts, ...DATA_VOLUME_OPTIONS },
    );
  }

  private createPostgres(
    name: string,
    config: AuthgentConfig,
    target: KubernetesTarget,
    meta: (component: "postgres", fixedName?: string) => k8s.types.input.meta.v1.ObjectMeta,
    opts: pulumi.CustomResourceOptions,
  ): k8s.apps.v1.StatefulSet | undefined {
    const database = config.database;
    if (database.type !== "postgres") return undefined;
    const password = database.password?.reveal();
    if (password === undefined) throw new Error("authgent.database.password is not set (the stack config validation reports how to set it)");
    const secret = new k8s.core.v1.Secret(
      `${name}-postgres-password`,
      // Fixed name, so a backup CronJob can read it (docs/authgent-kubernetes.md "Backups").
      { metadata: meta("postgres", postgresHost(config)), type: "Opaque", stringData: { [POSTGRES_PASSWORD_KEY]: pulumi.secret(password) } },
      opts,
    );
    const host = postgresHost(config);
    const service = new k8s.core.v1.Service(`${name}-postgres-service`, { metadata: meta("postgres", host), spec: postgresServiceSpec(config) }, opts);
    new k8s.networking.v1.NetworkPolicy(`${name}-postgres-ingress`, { metadata: meta("postgres", host), spec: postgresNetworkPolicySpec(config) }, opts);
    return new k8s.apps.v1.StatefulSet(
      `${name}-postgres`,
      {
        metadata: meta("postgres", host),
        spec: postgresStatefulSetSpec(config, target, database.image, host, { name: secret.metadata.name, key: POSTGRES_PASSWORD_KEY }),
      },
      // Its claim holds every client and signing key: never replaced or deleted by an update.
      { ...opts, ...DATA_VOLUME_OPTIONS, dependsOn: [service] },
    );
  }

  /** `database.type: sqlite` (one replica): the database file's claim, kept and protected like the Docker volume. */
  private createSqliteClaim(
    name: string,
    config: AuthgentConfig,
    target: KubernetesTarget,
    meta: (component: "server", fixedName?: string) => k8s.types.input.meta.v1.ObjectMeta,
    opts: pulumi.CustomResourceOptions,
  ): k8s.core.v1.PersistentVolumeClaim | undefined {
    if (config.database.type !== "sqlite") return undefined;
    return new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      {
        // Clusters whose storage binds on first use (WaitForFirstConsumer) leave the claim Pending
        // until the pod that mounts it is scheduled, which waits for this claim: do not await binding.
        metadata: { ...meta("server", `${config.name}-data`), annotations: { "pulumi.com/skipAwait": "true" } },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(target.sqlite.storageClassName ? { storageClassName: target.sqlite.storageClassName } : {}),
          resources: { requests: { storage: target.sqlite.storage } },
        },
      },
      { ...opts, ...DATA_VOLUME_OPTIONS },
    );
  }
}
