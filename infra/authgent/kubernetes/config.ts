/**
 * The `authgent.kubernetes:` block: run authgent-server on a Kubernetes
 * cluster (a Deployment of several replicas behind an Ingress) instead of
 * on one Docker host (`authgent.host`). Exactly one of the two per stack.
 *
 * Everything Authgent itself reads (issuer, secret key, database, consent,
 * registration, `env`/`secretEnv`) stays in the shared `authgent:` keys, so
 * both targets hand the server the same `AUTHGENT_*` settings
 * (`authgentEnvironment`). Every default is applied here and nowhere else.
 * No provider imports: the config parser and the policy pack load this.
 */
import { z } from "zod";

/** `authgent.kubernetes` as written in the stack file. */
export interface KubernetesTargetInput {
  /**
   * kubeconfig context the Kubernetes provider and the preview checks use;
   * unset, the current context of `$KUBECONFIG` (or `~/.kube/config`).
   * @default none (current context)
   */
  context?: string;
  /** Namespace every object goes to. @default "authgent" */
  namespace?: string;
  /**
   * Create the namespace (kept on `pulumi destroy`, like the data). `false`
   * when your platform team owns namespaces.
   * @default true
   */
  createNamespace?: boolean;
  /**
   * authgent-server pods. Two or more need a shared database (Postgres):
   * SQLite lives in one pod's volume.
   * @default 2
   */
  replicas?: number;
  /**
   * Pod anti-affinity on `kubernetes.io/hostname`: `preferred` spreads
   * replicas over nodes when it can; `required` never puts two on one node
   * (then a rolling update needs replicas + 1 schedulable nodes).
   * @default "preferred"
   */
  spreadAcrossNodes?: "preferred" | "required";
  /** Requests and limits of each authgent-server container. @default DEFAULT_RESOURCES */
  resources?: ResourcesInput;
  /** How the issuer is published. @default { className: "nginx" } with cert-manager off */
  ingress?: IngressInput;
  /**
   * Publish the issuer through an existing Gateway API Gateway instead of an
   * Ingress: an HTTPRoute for the issuer's host attached to that Gateway,
   * whose HTTPS listener holds the certificate. Exclusive with `ingress`.
   * @default none (an Ingress)
   */
  gateway?: GatewayInput;
  /**
   * In-cluster Postgres (`database.type: postgres`): its volume size and
   * storage class, and its container's requests and limits.
   * @default { storage: "10Gi", storageClassName: the cluster default, resources: DEFAULT_POSTGRES_RESOURCES }
   */
  postgres?: { storage?: string; storageClassName?: string; resources?: ResourcesInput };
  /** SQLite volume (`database.type: sqlite`, one replica only). @default { storage: "1Gi" } */
  sqlite?: { storage?: string; storageClassName?: string };
  /**
   * Before declaring anything, `pulumi preview` asks the cluster (kubectl,
   * same kubeconfig and context) whether the ingress class and, with
   * cert-manager, its CRD and issuer exist, and stops naming the key to fix
   * when one does not. `false` skips the lookups (no kubectl where the
   * program runs); the objects then fail at `pulumi up` instead.
   * @default true
   */
  clusterChecks?: boolean;
}

export interface ResourcesInput {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface IngressInput {
  /** `spec.ingressClassName`: an IngressClass of the cluster (`kubectl get ingressclass`). @default "nginx" */
  className?: string;
  /**
   * Let cert-manager issue the issuer host's certificate: the Ingress gets
   * `cert-manager.io/cluster-issuer` (or `cert-manager.io/issuer`, a
   * namespaced Issuer). Without it, `tlsSecretName` must already hold a
   * certificate for the host (`kubectl create secret tls`).
   * @default none
   */
  certManager?: { clusterIssuer?: string; issuer?: string };
  /** The TLS Secret the Ingress serves. @default "<name>-tls" */
  tlsSecretName?: string;
  /** Extra annotations for your controller (e.g. rate limits). @default {} */
  annotations?: Readonly<Record<string, string>>;
}

export interface GatewayInput {
  /** The Gateway's name (`kubectl get gateway -A`). */
  name: string;
  /** Its namespace. @default the target's namespace */
  namespace?: string;
  /** The listener to attach to (its `name`), e.g. the HTTPS one. @default every listener that accepts the route */
  sectionName?: string;
}

export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string | undefined; readonly memory: string };
}

/** `authgent.kubernetes` after validation, every default applied. */
export interface KubernetesTarget {
  readonly context?: string | undefined;
  readonly namespace: string;
  readonly createNamespace: boolean;
  readonly replicas: number;
  readonly spreadAcrossNodes: "preferred" | "required";
  readonly resources: Resources;
  readonly ingress: {
    readonly className: string;
    readonly certManager?: { readonly kind: "ClusterIssuer" | "Issuer"; readonly name: string } | undefined;
    readonly tlsSecretName?: string | undefined;
    readonly annotations: Readonly<Record<string, string>>;
  };
  /** Set: an HTTPRoute on this Gateway replaces the Ingress. */
  readonly gateway?: { readonly name: string; readonly namespace: string; readonly sectionName?: string | undefined } | undefined;
  readonly postgres: { readonly storage: string; readonly storageClassName?: string | undefined; readonly resources: Resources };
  readonly sqlite: { readonly storage: string; readonly storageClassName?: string | undefined };
  readonly clusterChecks: boolean;
}

/**
 * Per pod. authgent-server is one uvicorn worker: about 100 MiB resident
 * after start and 30 registrations (measured on the pinned venv, Python
 * 3.11, SQLite), CPU in bursts on token signing. No
 * CPU limit by default: CFS throttling of a bursty server costs latency
 * while the requests already reserve its share.
 */
export const DEFAULT_RESOURCES: Resources = { requests: { cpu: "100m", memory: "192Mi" }, limits: { memory: "512Mi" } };
/** Postgres for a team's Authgent: a few hundred clients and tokens, tiny. */
export const DEFAULT_POSTGRES_RESOURCES: Resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } };
export const DEFAULT_REPLICAS = 2;
export const DEFAULT_INGRESS_CLASS = "nginx";
export const DEFAULT_NAMESPACE = "authgent";

/** RFC 1123 label (namespaces, ingress classes): lowercase alphanumerics and '-', at most 63. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain (Secret, issuer and storage class names). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kubernetes quantities (apimachinery resource.Quantity): "250m", "0.5", "512Mi", "1G". */
const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const BYTES = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

const label = (what: string) => z.string({ error: `must be ${what}` }).regex(DNS_LABEL, { error: `must be ${what} (lowercase letters, digits and '-', at most 63)` });
const subdomain = (what: string) => z.string({ error: `must be ${what}` }).max(253).regex(DNS_SUBDOMAIN, { error: `must be ${what} (a lowercase DNS name)` });
const cpu = z.string({ error: 'must be a CPU quantity like "250m" or "1" (quote it)' }).regex(CPU, { error: 'must be a CPU quantity like "250m" or "1"' });
const bytes = z.string({ error: 'must be a size like "512Mi" or "10Gi" (quote it)' }).regex(BYTES, { error: 'must be a size like "512Mi" or "10Gi"' });

const resourcesSchema = (defaults: Resources) =>
  z
    .strictObject({
      requests: z.strictObject({ cpu: cpu.optional(), memory: bytes.optional() }).optional(),
      limits: z.strictObject({ cpu: cpu.optional(), memory: bytes.optional() }).optional(),
    })
    .optional()
    .transform(
      (value): Resources => ({
        requests: { cpu: value?.requests?.cpu ?? defaults.requests.cpu, memory: value?.requests?.memory ?? defaults.requests.memory },
        limits: withCpuLimit(value?.limits?.cpu ?? defaults.limits.cpu, value?.limits?.memory ?? defaults.limits.memory),
      }),
    );

function withCpuLimit(cpuLimit: string | undefined, memory: string): Resources["limits"] {
  return cpuLimit === undefined ? { memory } : { cpu: cpuLimit, memory };
}

const ingressSchema = z
  .strictObject({
    className: label("an IngressClass name like nginx").default(DEFAULT_INGRESS_CLASS),
    certManager: z
      .strictObject({ clusterIssuer: subdomain("a cert-manager ClusterIssuer name").optional(), issuer: subdomain("a cert-manager Issuer name").optional() })
      .optional(),
    tlsSecretName: subdomain("a Secret name").optional(),
    annotations: z.record(z.string(), z.string({ error: "must be text (quote numbers and booleans)" }), { error: "must be a map of annotation names to text" }).default({}),
  })
  .prefault({})
  .superRefine((ingress, ctx) => {
    const manager = ingress.certManager;
    if (manager && (manager.clusterIssuer === undefined) === (manager.issuer === undefined)) {
      ctx.addIssue({ code: "custom", path: ["certManager"], message: "must name exactly one of clusterIssuer (cluster-wide) and issuer (in authgent.kubernetes.namespace)" });
    }
    for (const key of Object.keys(ingress.annotations)) {
      if (key.startsWith("cert-manager.io/")) ctx.addIssue({ code: "custom", path: ["annotations", key], message: "comes from authgent.kubernetes.ingress.certManager; set the issuer there" });
    }
  })
  .transform((ingress): KubernetesTarget["ingress"] => {
    const manager = ingress.certManager;
    return {
      className: ingress.className,
      ...(manager?.clusterIssuer ? { certManager: { kind: "ClusterIssuer", name: manager.clusterIssuer } } : {}),
      ...(manager?.issuer ? { certManager: { kind: "Issuer", name: manager.issuer } } : {}),
      tlsSecretName: ingress.tlsSecretName,
      annotations: ingress.annotations,
    };
  });

const replicasSchema = z
  .number({ error: "must be a whole number of pods, 1 or more (2 or more for no downtime)" })
  .int({ error: "must be a whole number of pods, 1 or more (2 or more for no downtime)" })
  // Zero pods is no issuer at all: every MCP client's next token request fails.
  .min(1, { error: "must be at least 1 (no pod means no issuer: every token request fails); use 2 or more with Postgres" })
  .max(50, { error: "must be at most 50 (each pod holds up to 15 database connections)" })
  .default(DEFAULT_REPLICAS);

export const kubernetesTargetSchema: z.ZodType<KubernetesTarget, KubernetesTargetInput> = z
  .strictObject({
    context: z.string({ error: "must be a kubeconfig context name" }).min(1).optional(),
    namespace: label("a namespace name").default(DEFAULT_NAMESPACE),
    createNamespace: z.boolean({ error: "must be true or false" }).default(true),
    replicas: replicasSchema,
    spreadAcrossNodes: z.enum(["preferred", "required"], { error: 'must be "preferred" or "required"' }).default("preferred"),
    resources: resourcesSchema(DEFAULT_RESOURCES),
    ingress: ingressSchema,
    gateway: z
      .strictObject({
        name: subdomain("a Gateway name"),
        namespace: label("a namespace name").optional(),
        sectionName: subdomain("a listener name").optional(),
      })
      .optional(),
    postgres: z
      .strictObject({ storage: bytes.default("10Gi"), storageClassName: subdomain("a StorageClass name").optional(), resources: resourcesSchema(DEFAULT_POSTGRES_RESOURCES) })
      .prefault({}),
    sqlite: z.strictObject({ storage: bytes.default("1Gi"), storageClassName: subdomain("a StorageClass name").optional() }).prefault({}),
    clusterChecks: z.boolean({ error: "must be true or false" }).default(true),
  })
  .superRefine((target, ctx) => {
    if (target.gateway === undefined) return;
    // The route's TLS is the Gateway listener's: the Ingress keys would be silently unused.
    const ingress = target.ingress;
    const set = [
      ...(ingress.className !== DEFAULT_INGRESS_CLASS ? ["className"] : []),
      ...(ingress.certManager ? ["certManager"] : []),
      ...(ingress.tlsSecretName ? ["tlsSecretName"] : []),
      ...(Object.keys(ingress.annotations).length > 0 ? ["annotations"] : []),
    ];
    for (const key of set) {
      ctx.addIssue({ code: "custom", path: ["ingress", key], message: "applies to the Ingress, and authgent.kubernetes.gateway replaces it; configure TLS on the Gateway's listener instead, or remove gateway" });
    }
  })
  .transform(
    (target): KubernetesTarget => ({
      context: target.context,
      namespace: target.namespace,
      createNamespace: target.createNamespace,
      replicas: target.replicas,
      spreadAcrossNodes: target.spreadAcrossNodes,
      resources: target.resources,
      ingress: target.ingress,
      gateway: target.gateway ? { name: target.gateway.name, namespace: target.gateway.namespace ?? target.namespace, sectionName: target.gateway.sectionName } : undefined,
      postgres: target.postgres,
      sqlite: target.sqlite,
      clusterChecks: target.clusterChecks,
    }),
  );
