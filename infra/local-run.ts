/**
 * `npm start -- --stack <name> [--server <name>]`: resolves one server of a
 * stack into what its deployed script gets — the same bindings function the
 * `McpWorker` component uses, so local runs and deploys cannot drift.
 */
import { MCP_AGENT, RATE_LIMITER, WORKER_VARS, type WorkerVarName } from "../worker/bindings.ts";
import type { ServerManifest } from "../worker/kit/manifest.ts";
import { StackConfigError, type FleetConfig, type ServerConfig } from "./config.ts";
import { loadStackFileConfig, type ReadStackFileOptions } from "./config-source.ts";
import { selectServer } from "./select-server.ts";
import { resolveServerBindings, type ResolvedBinding } from "./server-bindings.ts";
import { scriptBindings } from "./worker-bindings.ts";

export interface LocalRunTarget {
  readonly stack: string;
  /** The server's script name. */
  readonly server: string;
  /** Its worker entry point, relative to the repository root. */
  readonly source: string;

  /** Every `plain_text` binding the script deploys with, by var name. */
  readonly vars: Readonly<Partial<Record<WorkerVarName, string>>>;
  /** The Durable Object binding (name and class) the script deploys with. */
  readonly durableObject: { readonly binding: string; readonly className: string };
  /** The rate-limiting binding's `simple` settings. */
  readonly rateLimit: { readonly binding: string; readonly limit: number; readonly periodSeconds: number };
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  /** Secret bindings the deploy adds; their values stay encrypted in the stack and are not available locally. */
  readonly secretNames: readonly string[];
  /** The stack config's warnings ("path message"), e.g. a required secret not stored yet. @default [] */
  readonly warnings?: readonly string[];
}

/** @deprecated Use `ServerSelectionError` from `./select-server.ts` (the only error this module raised). */
export { ServerSelectionError as LocalRunError } from "./select-server.ts";

export interface ResolveLocalRunOptions extends ReadStackFileOptions {
  readonly stack: string;
  /** Script name; may be omitted when the stack has exactly one server. */
  readonly server?: string;
}

export async function resolveLocalRun(options: ResolveLocalRunOptions): Promise<LocalRunTarget> {
  const config = await loadStackFileConfig(options.stack, options);
  const server = selectServer(config, options.server);
  const warnings = (config.warnings ?? []).map((warning) => `${warning.path} ${warning.message}`);
  return { ...localRunTarget(options.stack, server), ...(warnings.length > 0 ? { warnings } : {}) };
}

/** The local view of one resolved server, read back from its deploy bindings. */
export function localRunTarget(stack: string, server: ServerConfig): LocalRunTarget {
  const vars: Partial<Record<WorkerVarName, string>> = {};
  let durableObject: LocalRunTarget["durableObject"] | undefined;
  let rateLimit: LocalRunTarget["rateLimit"] | undefined;
  const secretNames: string[] = [];
  for (const binding of scriptBindings(server)) {
    const name = String(binding.name);
    if (binding.type === "plain_text" && Object.hasOwn(WORKER_VARS, name)) vars[name as WorkerVarName] = String(binding.text);
    else if (binding.type === "durable_object_namespace") durableObject = { binding: name, className: String(binding.className) };
    else if (binding.type === "ratelimit") {
      const simple = binding.simple as { limit: number; period: number };
      rateLimit = { binding: name, limit: simple.limit, periodSeconds: simple.period };
    } else if (binding.type === "secret_text") secretNames.push(name);
  }
  return {
    stack,
    server: server.name,
    source: server.source,
    vars,
    durableObject: durableObject ?? { binding: MCP_AGENT.binding, className: MCP_AGENT.className },
    rateLimit: rateLimit ?? { binding: RATE_LIMITER.binding, limit: server.rateLimit.limit, periodSeconds: RATE_LIMITER.periodSeconds },
    compatibilityDate: server.compatibilityDate,
    compatibilityFlags: server.compatibilityFlags,
    secretNames,
  };
}

/** What the stack supplies for a server's manifest bindings, as far as a local run uses it. */
export interface LocalBindingSupply {
  /** Values of the manifest's `var` bindings. */
  readonly vars: Readonly<Record<string, string>>;
  /** The created or referenced resource (D1 database, KV namespace, bucket, queue, dataset) by binding: keys local persistence. */
  readonly resourceNames: Readonly<Record<string, string>>;
  /** The Worker script each service binding reaches in the stack (locally: the `--service` module). */
  readonly serviceScripts: Readonly<Record<string, string>>;
}

/**
 * The stack's supply of `manifest`'s bindings for one server, resolved as the
 * Pulumi program resolves it (`resolveServerBindings`), so a binding the stack
 * misses or mis-supplies fails `npm start` with the preview's message.
 * Secrets are left out: locally they come from the server's secrets file,
 * and the stack's encrypted values are never read.
 */
export async function resolveLocalBindings(
  target: Pick<LocalRunTarget, "stack" | "server">,
  manifest: ServerManifest,
  options: ReadStackFileOptions = {},
): Promise<LocalBindingSupply> {
  const fleet = await loadStackFileConfig(target.stack, options);
  return localSupplyOf(offlineBindings(fleet, selectServer(fleet, target.server), manifest));
}

/**
 * One server's manifest bindings resolved against its stack file, for the
 * tools that read stacks offline (`npm start`, `npm run wrangler-config`):
 * every issue the preview would raise, except a secret's missing value, which
 * these tools never read. Secret bindings are left out of the result.
 */
export function offlineBindings(fleet: Pick<FleetConfig, "stack" | "servers" | "retiredServers">, server: ServerConfig, manifest: ServerManifest): ResolvedBinding[] {
  const secrets = Object.entries(manifest.bindings ?? {}).filter(([, declaration]) => declaration.kind === "secret").map(([name]) => name);
  const { bindings, issues } = resolveServerBindings(server, manifest, {
    at: `servers[${fleet.servers.indexOf(server)}]`,
    scriptNames: new Map(fleet.servers.map((s) => [s.name, s.scriptName])),
    retired: (fleet.retiredServers ?? []).includes(server.name),
  });
  const relevant = issues.filter((issue) => !secrets.some((name) => issue.path.endsWith(`.bindings.${name}`)));
  if (relevant.length > 0) throw new StackConfigError(fleet.stack, relevant);
  return bindings.filter((binding) => binding.kind !== "secret");
}

/** The local view of resolved bindings (pure). */
export function localSupplyOf(bindings: readonly ResolvedBinding[]): LocalBindingSupply {
  const vars: Record<string, string> = {};
  const resourceNames: Record<string, string> = {};
  const serviceScripts: Record<string, string> = {};
  for (const binding of bindings) {
    switch (binding.kind) {
      case "kv":
      case "d1":
        resourceNames[binding.name] = binding.create?.name ?? binding.id ?? binding.name;
        break;
      case "r2":
        resourceNames[binding.name] = binding.bucket;
        break;
      case "queue":
        resourceNames[binding.name] = binding.queue;
        break;
      case "analytics_engine":
        // Cloudflare's default dataset is the binding name.
        resourceNames[binding.name] = binding.dataset ?? binding.name;
        break;
      case "var":
        vars[binding.name] = binding.value;
        break;
      case "service":
        serviceScripts[binding.name] = binding.script;
        break;
      case "hyperdrive":
      case "ai":
      case "secret":
        break;
    }
  }
  return { vars, resourceNames, serviceScripts };
}
