/**
 * Pulumi entry point (`main: infra/` in Pulumi.yaml): `pulumi preview` /
 * `pulumi up --stack <name>`.
 */
import * as pulumi from "@pulumi/pulumi";
import { CloudflareApiError, createCloudflareApi, providerEndpoint, type CloudflareApi } from "./cloudflare-api.ts";
import { ClusterCheckError } from "./authgent/kubernetes/cluster-checks.ts";
import { kubectlClusterReader } from "./authgent/kubernetes/kubectl-reader.ts";
import { StackConfigError } from "./config.ts";
import { createD1Api, type D1QueryApi } from "./d1-migrations.ts";
import { ServerModuleError } from "./server-description.ts";
import { loadPulumiConfig } from "./config-source.ts";
import { MigrationLedgerError } from "./migrations.ts";
import { readOwnPreviousServers } from "./previous-outputs.ts";
import { deployStack, type StackOutputs } from "./program.ts";

export default async function main(): Promise<StackOutputs> {
  // tsx turns on source-mapped stacks; @pulumi/pulumi formats one per promise it creates, which
  // for a large fleet cost more than declaring it (declare-fast.ts). Errors shown to users are typed.
  process.setSourceMapsEnabled(false);
  try {
    // The engine runs the providers in this process's working directory (program-dir.ts).
    const { api, d1 } = cloudflareApi();
    return await deployStack(loadPulumiConfig(), {
      migrationTags: api,
      deployments: api,
      d1,
      cluster: kubectlClusterReader(),
      providerDir: process.cwd(),
      previousServers: readOwnPreviousServers,
    });
  } catch (err) {
    // Known, actionable failures print as one message without a stack trace.
    if (err instanceof StackConfigError || err instanceof MigrationLedgerError || err instanceof CloudflareApiError || err instanceof ClusterCheckError || err instanceof ServerModuleError) throw runError(err.message);
    throw err;
  }
}

/**
 * A RunError whose stack is just its message: Pulumi prints RunErrors
 * without a stack anyway, and formatting a source-mapped stack through the
 * runner's error reporting costs seconds per report.
 */
function runError(message: string): pulumi.RunError {
  const error = new pulumi.RunError(message);
  Object.defineProperty(error, "stack", { value: `RunError: ${message}`, writable: true, configurable: true });
  return error;
}

/**
 * The same credentials and endpoint the Cloudflare provider uses:
 * `cloudflare:apiToken` (secret config) or CLOUDFLARE_API_TOKEN, and
 * `cloudflare:baseUrl` or CLOUDFLARE_BASE_URL (`providerEndpoint`).
 */
function cloudflareApi(): { api: CloudflareApi; d1: D1QueryApi } {
  const cloudflareConfig = new pulumi.Config("cloudflare");
  const endpoint = providerEndpoint({ apiToken: cloudflareConfig.get("apiToken"), baseUrl: cloudflareConfig.get("baseUrl") }, process.env);
  if (!endpoint) {
    throw runError(
      "No Cloudflare API token: set CLOUDFLARE_API_TOKEN or run `pulumi config set --secret cloudflare:apiToken <token>` " +
        "(the program reads each script's Durable Object migration tag, and each rollout server's deployment, before deploying it).",
    );
  }
  // The D1 client applies created databases' SQL migrations (d1-migrations.ts); the token then needs D1: Edit.
  return { api: createCloudflareApi(endpoint), d1: createD1Api(endpoint) };
}
