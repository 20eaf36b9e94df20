/**
 * The kubectl adapter of the preview-time cluster checks, against a stand-in
 * `kubectl` executable that answers like the real one: the object's name
 * when it exists, nothing with `--ignore-not-found` when it does not, an
 * error on stderr and exit 1 when the cluster cannot be reached.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterCheckError } from "../../../infra/authgent/kubernetes/cluster-checks.ts";
import { kubectlClusterReader } from "../../../infra/authgent/kubernetes/kubectl-reader.ts";

let dir = "";
let kubectl = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubectl-stand-in-"));
  kubectl = join(dir, "kubectl");
  // $1=get $2=<type> $3=<name>; every call's arguments are logged, one line each.
  await writeFile(
    kubectl,
    [
      "#!/bin/sh",
      `echo "$*" >> "${join(dir, "calls.log")}"`,
      'case "$3" in',
      '  nginx) echo "ingressclass.networking.k8s.io/nginx" ;;',
      '  offline) echo "Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout" >&2; exit 1 ;;',
      "  *) ;;",
      "esac",
      "",
    ].join("\n"),
  );
  await chmod(kubectl, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("kubectlClusterReader", () => {
  it("answers true for an object kubectl prints, false for the empty answer of --ignore-not-found", async () => {
    const reader = kubectlClusterReader({ kubectl });
    expect(await reader.exists({ resource: "ingressclasses.networking.k8s.io", name: "nginx" }, "prod-eu")).toBe(true);
    expect(await reader.exists({ resource: "ingressclasses.networking.k8s.io", name: "traefik" }, undefined)).toBe(false);
    expect((await readFile(join(dir, "calls.log"), "utf8")).trim().split("\n")).toEqual([
      "get ingressclasses.networking.k8s.io nginx --ignore-not-found -o name --request-timeout=20s --context prod-eu",
      "get ingressclasses.networking.k8s.io traefik --ignore-not-found -o name --request-timeout=20s",
    ]);
  });

  it("turns a cluster it cannot reach into ERR_CLUSTER_UNREACHABLE with kubectl's reason and the way to skip the checks", async () => {
    const error = await kubectlClusterReader({ kubectl })
      .exists({ resource: "ingressclasses.networking.k8s.io", name: "offline" }, undefined)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterCheckError);
    expect((error as ClusterCheckError).code).toBe("ERR_CLUSTER_UNREACHABLE");
    expect((error as ClusterCheckError).message).toContain("Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout");
    expect((error as ClusterCheckError).message).toContain("set authgent.kubernetes.clusterChecks: false");
  });

  it("says so when there is no kubectl at all", async () => {
    const error = (await kubectlClusterReader({ kubectl: join(dir, "no-such-kubectl") })
      .exists({ resource: "ingressclasses.networking.k8s.io", name: "nginx" }, undefined)
      .catch((err: unknown) => err)) as ClusterCheckError;
    expect(error.code).toBe("ERR_CLUSTER_UNREACHABLE");
    expect(error.message).toMatch(/ENOENT/);
  });
});
