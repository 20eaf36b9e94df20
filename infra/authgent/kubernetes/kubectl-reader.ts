/**
 * The `ClusterReader` `pulumi preview`/`up` use: kubectl, which reads the
 * same kubeconfig as the Kubernetes provider (`$KUBECONFIG`, else
 * `~/.kube/config`) and handles every auth plugin (EKS, GKE, AKS exec
 * credentials) the provider does. One `kubectl get <type> <name>` per
 * requirement; `--ignore-not-found` turns "absent" into empty output and
 * exit 0, so any failure is a failure to ask, not an answer.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ClusterCheckError, type ClusterObject, type ClusterReader } from "./cluster-checks.ts";

const run = promisify(execFile);

/** Seconds kubectl may take per lookup (its own `--request-timeout`). */
const REQUEST_TIMEOUT_SECONDS = 20;

export interface KubectlReaderOptions {
  /** @default "kubectl" on PATH */
  readonly kubectl?: string;
}

export function kubectlClusterReader(options: KubectlReaderOptions = {}): ClusterReader {
  const kubectl = options.kubectl ?? "kubectl";
  return {
    async exists(object: ClusterObject, context: string | undefined): Promise<boolean> {
      const args = kubectlGetArgs(object, context);
      try {
        const { stdout } = await run(kubectl, args, { timeout: (REQUEST_TIMEOUT_SECONDS + 5) * 1000 });
        return stdout.trim() !== "";
      } catch (err) {
        const stderr = (err as { stderr?: unknown }).stderr;
        const reason = typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim().split("\n")[0] : (err as Error).message;
        throw new ClusterCheckError(
          "ERR_CLUSTER_UNREACHABLE",
          `Could not check the cluster for authgent.kubernetes (${[kubectl, ...args].join(" ")}: ${reason}). ` +
            "Make kubectl reach the cluster the Kubernetes provider deploys to (same kubeconfig; authgent.kubernetes.context for another context), " +
            "or set authgent.kubernetes.clusterChecks: false to skip these lookups",
          [],
          { cause: err },
        );
      }
    },
  };
}

/** `kubectl get` for one object, printing its name only when it exists. */
export function kubectlGetArgs(object: ClusterObject, context: string | undefined): string[] {
  return [
    "get",
    object.resource,
    object.name,
    "--ignore-not-found",
    "-o",
    "name",
    `--request-timeout=${REQUEST_TIMEOUT_SECONDS}s`,
    ...(object.namespace ? ["--namespace", object.namespace] : []),
    ...(context ? ["--context", context] : []),
  ];
}
