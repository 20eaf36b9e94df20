/**
 * Checks of the `authgent:` block that only make sense for one target:
 * exactly one of `host` (Docker) and `kubernetes`, the image a cluster can
 * pull, and a database every replica can share. Each finding is a key path
 * and a predicate naming the fix ("authgent.image must …"). No provider
 * imports (the config parser runs them).
 */
import { DIGEST_REFERENCE } from "../server-release.ts";
import type { DatabaseConfig } from "../database-config.ts";
import { AUTHGENT_POSTGRES_URL_FORM } from "../postgres-url.ts";
import type { KubernetesTarget } from "./config.ts";

export interface TargetIssue {
  /** Path inside the `authgent:` block, e.g. ["kubernetes", "replicas"]. */
  readonly path: string[];
  readonly message: string;
}

/** What the target rules read of the parsed block (before defaults that differ per target). */
export interface TargetFields {
  readonly host?: string | undefined;
  readonly kubernetes?: KubernetesTarget | undefined;
  readonly image?: string | undefined;
  readonly build?: unknown;
  readonly database: DatabaseConfig;
  readonly sshOpts: readonly string[];
  readonly dockerTls?: unknown;
  readonly publishPort?: number | undefined;
  readonly healthCommand?: readonly string[] | undefined;
  /** True when the block sets anything under `tls`. */
  readonly tlsSet: boolean;
}

/** Where to read how the Kubernetes image is built and pushed. */
export const KUBERNETES_DOC = "docs/authgent-kubernetes.md";

export function targetIssues(cfg: TargetFields): TargetIssue[] {
  if (cfg.host === undefined && cfg.kubernetes === undefined) {
    return [
      {
        path: ["host"],
        message: "is required: the Docker host to run Authgent on (ssh://user@host[:port] or tcp://host:2376), or set authgent.kubernetes instead to run it on a cluster",
      },
    ];
  }
  if (cfg.kubernetes === undefined) return [];
  if (cfg.host !== undefined) {
    return [{ path: ["kubernetes"], message: "and authgent.host are exclusive: a stack runs Authgent on one Docker host or on one cluster; remove one of the two" }];
  }
  return [...dockerOnlyIssues(cfg), ...imageIssues(cfg), ...replicaIssues(cfg.kubernetes, cfg.database)];
}

function dockerOnlyIssues(cfg: TargetFields): TargetIssue[] {
  const set: [string, boolean][] = [
    ["sshOpts", cfg.sshOpts.length > 0],
    ["dockerTls", cfg.dockerTls !== undefined],
    ["publishPort", cfg.publishPort !== undefined],
    ["healthCommand", cfg.healthCommand !== undefined],
    ["tls", cfg.tlsSet],
  ];
  return set
    .filter(([, present]) => present)
    .map(([key]) => ({
      path: [key],
      message:
        key === "tls"
          ? "applies to the Docker host only (Caddy); on Kubernetes the Ingress terminates TLS: use authgent.kubernetes.ingress (certManager or tlsSecretName)"
          : "applies to the Docker host only; remove it (authgent.kubernetes is set)",
    }));
}

/**
 * A cluster pulls images from a registry: it cannot use the image the
 * Docker target builds on its host. A tag may move between two pods' pulls,
 * and two replicas of one issuer must run the same server: digest only.
 */
function imageIssues(cfg: TargetFields): TargetIssue[] {
  const fix = `build the image (${KUBERNETES_DOC} "The image"), push it, and set authgent.image to registry.yourcompany.com/authgent-server@sha256:<digest>`;
  if (cfg.build !== undefined) {
    return [{ path: ["build"], message: `builds on a Docker host, which a cluster cannot pull from; remove it and ${fix}` }];
  }
  if (cfg.image === undefined) {
    return [{ path: ["image"], message: `is required with authgent.kubernetes (the cluster pulls authgent-server from a registry): ${fix}` }];
  }
  if (!DIGEST_REFERENCE.test(cfg.image)) {
    return [
      {
        path: ["image"],
        message: `must be pinned by digest with authgent.kubernetes, got "${cfg.image}": a tag can move between two pods' pulls, so replicas of one issuer could run different servers; write it as <image>@sha256:<digest> (docker buildx imagetools inspect <image> prints it)`,
      },
    ];
  }
  return [];
}

/** SQLite is a file in one pod's volume: a second replica would have its own clients and keys. */
function replicaIssues(target: KubernetesTarget, database: DatabaseConfig): TargetIssue[] {
  if (target.replicas <= 1 || !isSqlite(database)) return [];
  const which = database.type === "sqlite" ? "type sqlite" : "an external sqlite+aiosqlite:// URL";
  return [
    {
      path: ["kubernetes", "replicas"],
      message:
        `is ${target.replicas} but authgent.database is ${which}, a file only one pod can hold: each replica would keep its own clients and signing keys. ` +
        `Set authgent.database to { type: postgres } (in the cluster) or { type: external, url: ${AUTHGENT_POSTGRES_URL_FORM} }, or replicas: 1`,
    },
  ];
}

function isSqlite(database: DatabaseConfig): boolean {
  if (database.type === "sqlite") return true;
  if (database.type === "postgres") return false;
  return database.url?.reveal().toLowerCase().startsWith("sqlite") ?? false;
}

/**
 * The Ingress serves the issuer's host on 443 with a certificate for that
 * name (RFC 8414 §3: metadata is fetched over TLS from the issuer's origin).
 */
export function issuerProblemBehindIngress(raw: string): string | undefined {
  const url = new URL(raw);
  if (url.protocol !== "https:") return `must be https with authgent.kubernetes (the Ingress serves it over TLS); write https://${url.host}`;
  if (url.port) return `must use the default https port behind the Ingress; remove ":${url.port}"`;
  const ip = /^[\d.]+$/.test(url.hostname) || url.hostname.startsWith("[");
  if (ip || !url.hostname.includes(".")) return `needs a DNS name for the Ingress host and its certificate, got "${url.hostname}"`;
  return undefined;
}
