/**
 * Cloudflare API requests the Pulumi Cloudflare provider makes per resource,
 * by operation: what a fleet's `pulumi up` or `pulumi refresh` costs on top
 * of the program's own reads. The provider cannot run here, so these are
 * counted from its source: @pulumi/cloudflare 6.x bridges
 * terraform-provider-cloudflare v5 (read at v5.22.0,
 * internal/services/<resource>/resource.go), whose resources make exactly
 * one HTTP call per Create/Update/Delete unless noted, and no call at all
 * during a preview (plans are computed from state and inputs, and the
 * provider's Configure makes no request).
 */
import { WORKERS_SCRIPT_TYPE } from "../../infra/components/type-tokens.ts";

/** @pulumi/cloudflare `WorkerVersion` and `WorkersDeployment` (their `__pulumiType`): a `rollout:` server's code goes out through them. */
export const WORKER_VERSION_TYPE = "cloudflare:index/workerVersion:WorkerVersion";
export const WORKERS_DEPLOYMENT_TYPE = "cloudflare:index/workersDeployment:WorkersDeployment";

export type ProviderOperation = "create" | "update" | "read" | "delete";

/** Requests per operation of one resource. */
export type RequestCosts = Readonly<Record<ProviderOperation, number>>;

/** Cloudflare's global API rate limit: requests per window, per user (token). */
export const CLOUDFLARE_GLOBAL_LIMIT = {
  requests: 1200,
  windowSeconds: 300,
  /** developers.cloudflare.com/fundamentals/api/reference/limits/ */
  source: "https://developers.cloudflare.com/fundamentals/api/reference/limits/",
} as const;

/** Per resource type (Pulumi type token). */
export const PROVIDER_REQUESTS: Readonly<Record<string, RequestCosts>> = {
  // workers_script: Create and Update are one multipart PUT accounts/{a}/workers/scripts/{name}
  // (Workers.Scripts.Update); Read is three GETs: workers/services/{name}, workers/scripts/{name}/settings
  // and the script content (Workers.Scripts.Content.Get); Delete one DELETE.
  [WORKERS_SCRIPT_TYPE]: { create: 1, update: 1, read: 3, delete: 1 },
  // workers_script_subdomain: Create and Update both POST .../scripts/{name}/subdomain (Subdomain.New).
  "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain": { create: 1, update: 1, read: 1, delete: 1 },
  // workers_custom_domain: Create PUT accounts/{a}/workers/domains; "Update is not supported": a change
  // replaces it (our domains are deleteBeforeReplace: one DELETE, then one PUT), counted as update: 2.
  "cloudflare:index/workersCustomDomain:WorkersCustomDomain": { create: 1, update: 2, read: 1, delete: 1 },
  // workers_route: Routes.New / Routes.Update / Routes.Get / Routes.Delete on zones/{z}/workers/routes.
  "cloudflare:index/workersRoute:WorkersRoute": { create: 1, update: 1, read: 1, delete: 1 },
  // worker_version: Create POSTs the version (Versions.New; plus asset uploads when the version has assets,
  // which ours do not); Update only rewrites state; Delete makes no request (versions are immutable).
  [WORKER_VERSION_TYPE]: { create: 1, update: 0, read: 1, delete: 0 },
  // workers_deployment: Create POSTs .../scripts/{name}/deployments; "Update is not supported" (a new split
  // is a new deployment: one POST); Delete makes no request.
  [WORKERS_DEPLOYMENT_TYPE]: { create: 1, update: 1, read: 1, delete: 0 },
};

/** Requests for `operation` on every resource listed (component resources cost nothing). */
export function providerRequests(types: readonly string[], operation: ProviderOperation): number {
  return types.reduce((sum, type) => sum + (PROVIDER_REQUESTS[type]?.[operation] ?? 0), 0);
}

/** Requests of one run against the global limit: how many windows it needs, and the largest fleet that fits one. */
export function againstGlobalLimit(requests: number, servers: number): { windows: number; serversPerWindow: number } {
  const perServer = requests / Math.max(servers, 1);
  return {
    windows: Math.ceil(requests / CLOUDFLARE_GLOBAL_LIMIT.requests),
    serversPerWindow: perServer > 0 ? Math.floor(CLOUDFLARE_GLOBAL_LIMIT.requests / perServer) : Number.POSITIVE_INFINITY,
  };
}
