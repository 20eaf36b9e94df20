/**
 * The Cloudflare API calls the program makes itself (everything else goes
 * through the provider), each about ONE script, through `cloudflareFetch`
 * (bounded concurrency, retries on 429 honouring Retry-After):
 *
 * - `GET /accounts/{account_id}/workers/services/{script_name}`: the
 *   script's `default_environment.script.migration_tag` (the endpoint
 *   wrangler uses; the account-wide script listing is deliberately never
 *   called — it costs one page per 100 scripts and exposes every script);
 * - `GET /accounts/{account_id}/workers/scripts/{script_name}/deployments`:
 *   the versions serving traffic, newest deployment first (servers with
 *   `rollout:` only; a second read, of the deployment before, only for a
 *   rollback whose latest deployment names one version).
 */
import { cloudflareFetch, type CloudflareHttpOptions } from "./cloudflare-http.ts";

/** Production API root. */
export const CLOUDFLARE_API_BASE_URL = "https://api.cloudflare.com/client/v4";

/** Error codes Cloudflare returns when the script (service) does not exist. */
const NOT_FOUND_CODES = new Set([10007, 10090, 10092]);

/** Provider config as the program can read it (`cloudflare:apiToken`, `cloudflare:baseUrl`). */
export interface CloudflareProviderConfig {
  readonly apiToken?: string | undefined;
  readonly baseUrl?: string | undefined;
}

/**
 * The token and API root the Cloudflare provider itself will use, so the
 * program's reads hit the same API its writes do. Same precedence as the
 * provider's Configure (terraform-provider-cloudflare `internal/provider.go`):
 * the provider config value, else `CLOUDFLARE_API_TOKEN` /
 * `CLOUDFLARE_BASE_URL` from the environment (the engine starts the provider
 * and the program with the same environment), else the production API.
 * `undefined` when there is no token.
 */
export function providerEndpoint(config: CloudflareProviderConfig, env: Readonly<Record<string, string | undefined>>): { apiToken: string; baseUrl: string } | undefined {
  const apiToken = config.apiToken ?? env["CLOUDFLARE_API_TOKEN"];
  if (!apiToken) return undefined;
  return { apiToken, baseUrl: config.baseUrl ?? env["CLOUDFLARE_BASE_URL"] ?? CLOUDFLARE_API_BASE_URL };
}

export interface CloudflareApiOptions extends CloudflareHttpOptions {
  /** API token with "Workers Scripts: Read" (deploys need Edit). */
  readonly apiToken: string;
  /** @default CLOUDFLARE_API_BASE_URL */
  readonly baseUrl?: string;
}

/** Reads a script's deployed Durable Object migration tag. */
export interface MigrationTagReader {
  /** `undefined` when the script does not exist or has never been migrated. */
  currentTag(accountId: string, scriptName: string): Promise<string | undefined>;
}

/** One version of a deployment and the share of requests it serves. */
export interface DeployedVersion {
  readonly versionId: string;
  /** Percent of requests, 0–100. */
  readonly percentage: number;
}

/** Reads which versions serve a script's traffic. */
export interface DeploymentReader {
  /** The latest deployment's versions; `undefined` when the script does not exist. */
  currentDeployment(accountId: string, scriptName: string): Promise<readonly DeployedVersion[] | undefined>;
  /**
   * The versions of the deployment before the latest; `undefined` when there
   * is none. Where a rollback returns once the new version took 100% at once
   * (`rollout.share` 100), so the latest deployment names no other version.
   * Read only for such rollbacks.
   * @default not available: such a rollback fails, naming the script
   */
  previousDeployment?(accountId: string, scriptName: string): Promise<readonly DeployedVersion[] | undefined>;
}

export type CloudflareApi = MigrationTagReader & DeploymentReader;

export class CloudflareApiError extends Error {
  readonly code = "ERR_CLOUDFLARE_API";
  constructor(
    message: string,
    readonly status: number,
    /** Cloudflare's numeric error codes, e.g. [10000] for an authentication failure. */
    readonly apiCodes: readonly number[],
  ) {
    super(message);
    this.name = "CloudflareApiError";
  }
}

interface Envelope<R> {
  readonly success?: boolean;
  readonly errors?: readonly { readonly code?: number; readonly message?: string }[];
  readonly result?: R;
}
interface ServiceResult {
  readonly default_environment?: { readonly script?: { readonly migration_tag?: string } };
}
interface DeploymentsResult {
  readonly deployments?: readonly { readonly versions?: readonly { readonly version_id?: string; readonly percentage?: number }[] }[];
}

export function createCloudflareApi(options: CloudflareApiOptions): CloudflareApi {
  const baseUrl = (options.baseUrl ?? CLOUDFLARE_API_BASE_URL).replace(/\/+$/, "");
  const request = cloudflareFetch(options);

  /** GET `path`; `undefined` when the script does not exist. */
  async function get<R>(path: string, what: string): Promise<R | undefined> {
    let response: Response;
    try {
      response = await request(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${options.apiToken}`, accept: "application/json" } });
    } catch (err) {
      throw new CloudflareApiError(`${what}: ${baseUrl} is unreachable (${(err as Error).name})`, 0, []);
    }
    let body: Envelope<R>;
    try {
      body = (await response.json()) as Envelope<R>;
    } catch {
      // Never echo the body: it may be an HTML error page or a proxy's output.
      throw new CloudflareApiError(`${what}: HTTP ${response.status} with a non-JSON body`, response.status, []);
    }
    const codes = (body.errors ?? []).map((e) => e.code).filter((c): c is number => typeof c === "number");
    if (response.status === 404 || codes.some((c) => NOT_FOUND_CODES.has(c))) return undefined;
    if (!response.ok || body.success === false) {
      const messages = (body.errors ?? []).map((e) => `${e.message ?? "error"} [code: ${e.code ?? "?"}]`).join("; ");
      const hint =
        response.status === 401 || response.status === 403
          ? " (check the API token and its Workers Scripts permission)"
          : response.status === 429
            ? " (rate limited after every retry: split the fleet into more stacks or deploy it in waves, see docs/fleets.md)"
            : "";
      throw new CloudflareApiError(`${what}: HTTP ${response.status}${messages ? `: ${messages}` : ""}${hint}`, response.status, codes);
    }
    return body.result;
  }

  const workers = (accountId: string) => `/accounts/${encodeURIComponent(accountId)}/workers`;
  /** Newest first; one request, `undefined` when the script does not exist. */
  const deployments = (accountId: string, scriptName: string) =>
    get<DeploymentsResult>(`${workers(accountId)}/scripts/${encodeURIComponent(scriptName)}/deployments`, `reading the deployments of script ${scriptName}`);
  return {
    async currentTag(accountId, scriptName) {
      const result = await get<ServiceResult>(`${workers(accountId)}/services/${encodeURIComponent(scriptName)}`, `reading the migration tag of script ${scriptName}`);
      const tag = result?.default_environment?.script?.migration_tag;
      return typeof tag === "string" && tag !== "" ? tag : undefined;
    },
    async currentDeployment(accountId, scriptName) {
      const result = await deployments(accountId, scriptName);
      return result === undefined ? undefined : versionsOf(result.deployments?.[0]);
    },
    async previousDeployment(accountId, scriptName) {
      const previous = (await deployments(accountId, scriptName))?.deployments?.[1];
      return previous === undefined ? undefined : versionsOf(previous);
    },
  };
}

function versionsOf(deployment: NonNullable<DeploymentsResult["deployments"]>[number] | undefined): DeployedVersion[] {
  return (deployment?.versions ?? [])
    .filter((v): v is { version_id: string; percentage: number } => typeof v.version_id === "string" && typeof v.percentage === "number")
    .map((v) => ({ versionId: v.version_id, percentage: v.percentage }));
}

/** A reader that always answers the same tag: the offline plan's `--current-migration-tag`. */
export function fixedMigrationTag(tag: string | undefined): MigrationTagReader {
  return { currentTag: async () => tag };
}

/** A reader that knows no deployments (a fresh account): the offline plan's default. */
export function noDeployments(): DeploymentReader {
  return { currentDeployment: async () => undefined };
}
