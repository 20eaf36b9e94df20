/**
 * `npm start -- --stack <name> [--server <name>]`: resolves one server of a
 * stack into what its deployed script gets — the same bindings function the
 * `McpWorker` component uses, so local runs and deploys cannot drift.
 */
import { MCP_AGENT, RATE_LIMITER, WORKER_VARS, type WorkerVarName } from "../worker/bindings.ts";
import type { ServerConfig } from "./config.ts";
import { loadStackFileConfig, type ReadStackFileOptions } from "./config-source.ts";
import { selectServer } from "./select-server.ts";
import { scriptBindings } from "./worker-bindings.ts";

export interface LocalRunTarget {
  readonly stack: string;
  /** The server's script name. */
  readonly server: string;
  /** Its worker entry point, relative to the repository root. */
  readonly source: string;
  /** Values of the manifest's `var` bindings the stack supplies, by binding name. @default {} */
  readonly bindingVars?: Readonly<Record<string, string>>;
  /** Names of the resources the stack creates or references (D1 database, KV title, bucket, queue, dataset), by binding name. @default {} */
  readonly resourceNames?: Readonly<Record<string, string>>;
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
