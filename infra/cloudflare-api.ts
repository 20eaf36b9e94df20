/**
 * The one Cloudflare API call the program makes itself: the deployed
 * migration tag of ONE script. Everything else goes through the provider.
 *
 * `GET /accounts/{account_id}/workers/services/{script_name}` returns the
 * script's `default_environment.script.migration_tag` (the endpoint wrangler
 * uses; the account-wide script listing is deliberately never called — it
 * costs one page per 100 scripts and exposes every script in the account).
 */

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

export interface CloudflareApiOptions {
  /** API token with "Workers Scripts: Read" (deploys need Edit). */
  readonly apiToken: string;
  /** @default CLOUDFLARE_API_BASE_URL */
  readonly baseUrl?: string;
  /** Injected for tests. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Per request, milliseconds. @default 15000 */
  readonly timeoutMs?: number;
}

/** Reads a script's deployed Durable Object migration tag. */
export interface MigrationTagReader {
  /** `undefined` when the script does not exist or has never been migrated. */
  currentTag(accountId: string, scriptName: string): Promise<string | undefined>;
}

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

interface Envelope {
  readonly success?: boolean;
  readonly errors?: readonly { readonly code?: number; readonly message?: string }[];
  readonly result?: { readonly default_environment?: { readonly script?: { readonly migration_tag?: string } } };
}

export function createCloudflareApi(options: CloudflareApiOptions): MigrationTagReader {
  const baseUrl = (options.baseUrl ?? CLOUDFLARE_API_BASE_URL).replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async currentTag(accountId, scriptName) {
      const path = `/accounts/${encodeURIComponent(accountId)}/workers/services/${encodeURIComponent(scriptName)}`;
      const what = `reading the migration tag of script ${scriptName}`;
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}${path}`, {
          headers: { authorization: `Bearer ${options.apiToken}`, accept: "application/json" },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new CloudflareApiError(`${what}: ${baseUrl} is unreachable (${(err as Error).name})`, 0, []);
      }
      let body: Envelope;
      try {
        body = (await response.json()) as Envelope;
      } catch {
        // Never echo the body: it may be an HTML error page or a proxy's output.
        throw new CloudflareApiError(`${what}: HTTP ${response.status} with a non-JSON body`, response.status, []);
      }
      const codes = (body.errors ?? []).map((e) => e.code).filter((c): c is number => typeof c === "number");
      if (response.status === 404 || codes.some((c) => NOT_FOUND_CODES.has(c))) return undefined;
      if (!response.ok || body.success === false) {
        const messages = (body.errors ?? []).map((e) => `${e.message ?? "error"} [code: ${e.code ?? "?"}]`).join("; ");
        const hint = response.status === 401 || response.status === 403 ? " (check the API token and its Workers Scripts permission)" : "";
        throw new CloudflareApiError(`${what}: HTTP ${response.status}${messages ? `: ${messages}` : ""}${hint}`, response.status, codes);
      }
      const tag = body.result?.default_environment?.script?.migration_tag;
      return typeof tag === "string" && tag !== "" ? tag : undefined;
    },
  };
}

/** A reader that always answers the same tag: the offline plan's `--current-migration-tag`. */
export function fixedMigrationTag(tag: string | undefined): MigrationTagReader {
  return { currentTag: async () => tag };
}
