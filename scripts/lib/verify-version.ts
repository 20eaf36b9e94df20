/**
 * Checking one Worker version during a gradual rollout: Cloudflare routes a
 * request that carries `Cloudflare-Workers-Version-Overrides: <script>="<version id>"`
 * (an RFC 8941 dictionary) to that version, whatever its share of traffic
 * (developers.cloudflare.com/workers/configuration/versions-and-deployments/gradual-deployments/#version-overrides).
 */
import type { FetchLike } from "./verify-http.ts";

export const VERSION_OVERRIDE_HEADER = "Cloudflare-Workers-Version-Overrides";

/** The version `npm run verify` pins its requests to. */
export interface WorkerVersionPin {
  /** The Worker script name (the dictionary key). */
  readonly script: string;
  readonly versionId: string;
}

/** `--worker-version <script>=<version-id>`. */
export function parseWorkerVersion(raw: string): WorkerVersionPin {
  const match = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)=([0-9a-zA-Z-]{1,64})$/.exec(raw);
  if (!match?.[1] || !match[2]) throw new Error(`--worker-version must be <script>=<version-id>, e.g. my-mcp-server=dc8dcd28-271b-4367-9840-6c244f84cb40; got "${raw}"`);
  return { script: match[1], versionId: match[2] };
}

export function versionOverrideValue(pin: WorkerVersionPin): string {
  return `${pin.script}="${pin.versionId}"`;
}

/** A fetch that pins requests to `origin` (the deployment, not its issuer) to the version. */
export function pinnedFetch(fetch: FetchLike, origin: string, pin: WorkerVersionPin): FetchLike {
  return (input, init) => {
    if (new URL(String(input)).origin !== origin) return fetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set(VERSION_OVERRIDE_HEADER, versionOverrideValue(pin));
    return fetch(input, { ...init, headers });
  };
}
