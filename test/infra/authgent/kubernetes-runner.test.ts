/**
 * A stack with `authgent.kubernetes` through @pulumi/pulumi's own program
 * runner, as `pulumi preview` starts it (infra/index.ts, the real entry
 * point, with its kubectl-backed cluster checks): a stand-in `kubectl` first
 * on PATH plays the cluster. A cluster without the ingress class stops the
 * run before any resource, with one message naming the key and the fix.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { K8S_IMAGE } from "./kubernetes-fixtures.ts";
import { runLikePulumi, stackConfigEnv, useFakeCloudflareApi, type LanguageHostEnv } from "../support/language-host.ts";

const cloudflareEnv = useFakeCloudflareApi("runner-k8s-token");
/** Staging's servers trust this issuer (defaults.issuer), so the deployed one must be it. */
const ISSUER = "https://auth-staging.yourcompany.com";

let bin = "";
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), "kubectl-cluster-"));
});
afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

/** A `kubectl` that knows exactly these `<type>/<name>` objects. */
async function clusterWith(objects: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(bin, "c-"));
  const cases = objects.map((object) => `  "${object.replace("/", " ")}") echo "${object}" ;;`);
  await writeFile(join(dir, "kubectl"), ["#!/bin/sh", 'case "$2 $3" in', ...cases, "  *) ;;", "esac", ""].join("\n"));
  await chmod(join(dir, "kubectl"), 0o755);
  return dir;
}

async function kubernetesStackEnv(kubectlDir: string): Promise<LanguageHostEnv> {
  const env = await stackConfigEnv("staging", cloudflareEnv());
  const authgent = {
    issuer: ISSUER,
    image: K8S_IMAGE,
    secretKey: randomBytes(32).toString("hex"),
    database: { type: "postgres", password: randomBytes(16).toString("hex") },
    kubernetes: { ingress: { className: "nginx", certManager: { clusterIssuer: "letsencrypt-prod" } } },
  };
  return {
    config: { ...env.config, "authgent-edge:authgent": JSON.stringify(authgent) },
    secretKeys: [...env.secretKeys, "authgent-edge:authgent"],
    env: { PATH: `${kubectlDir}:${process.env["PATH"] ?? ""}` },
  };
}

describe("pulumi preview of a stack with authgent.kubernetes, as the language host runs it", () => {
  it("stops before declaring anything when the cluster has no such ingress class, naming the key and the fix, without a stack trace", async () => {
    const result = await runLikePulumi("staging", await kubernetesStackEnv(await clusterWith([])), { dryRun: true });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('authgent.kubernetes.ingress.className is "nginx", but the cluster has no IngressClass of that name');
    expect(result.stderr).toContain("authgent.kubernetes.ingress.certManager needs cert-manager");
    expect(result.stderr).not.toContain("    at ");
    expect(result.resources.filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("cloudflare:"))).toEqual([]);
  });

  it("deploys through the cluster's provider once the class, cert-manager and the ClusterIssuer exist", async () => {
    const cluster = await clusterWith([
      "ingressclasses.networking.k8s.io/nginx",
      "customresourcedefinitions.apiextensions.k8s.io/certificates.cert-manager.io",
      "customresourcedefinitions.apiextensions.k8s.io/clusterissuers.cert-manager.io",
      "clusterissuers.cert-manager.io/letsencrypt-prod",
    ]);
    const result = await runLikePulumi("staging", await kubernetesStackEnv(cluster), { dryRun: true });
    expect(result.exitCode, result.stderr).toBe(0);
    const kinds = result.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.type);
    expect(kinds).toEqual(expect.arrayContaining(["kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job", "kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:apps/v1:StatefulSet"]));
    const authgent = result.outputs?.["authgent"] as Record<string, unknown>;
    expect(authgent["rotateKeysCommand"]).toBe("kubectl --namespace authgent exec deployment/authgent -- authgent-server rotate-keys");
  });
});
