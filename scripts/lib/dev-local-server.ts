/**
 * `npm start`'s local stand-ins for one server's manifest: its secrets from
 * the local secrets file, the Workers its service bindings reach (bundled
 * from the module given with `--service BINDING=<module>`), and the Miniflare
 * options of everything else (`local-bindings.ts`). Also the banner lines
 * that say where each binding lives.
 */
import { join, relative, resolve } from "node:path";
import type { ServerManifest } from "../../worker/kit/manifest.ts";
import { bundleWorker, REPO_ROOT } from "../../infra/worker-bundle.ts";
import { loadDevSecrets, type DevSecrets } from "./dev-secrets.ts";
import { HYPERDRIVE_LOCAL_ENV_PREFIX, planLocalBindings, type LocalBindingsPlan } from "./local-bindings.ts";
import type { LocalServiceWorker } from "./local-worker.ts";

/** The local secrets file in a server's state dir. */
export const DEV_SECRETS_FILE = "secrets.env";

export class LocalServiceFlagError extends Error {
  readonly code = "ERR_LOCAL_SERVICE_FLAG";
}

/** `--service BINDING=<module>` values by binding; a malformed or repeated one is an error naming it. */
export function parseServiceFlags(values: readonly string[]): Map<string, string> {
  const services = new Map<string, string>();
  for (const value of values) {
    const match = /^([A-Z][A-Z0-9_]*)=(.+)$/.exec(value);
    if (!match) throw new LocalServiceFlagError(`--service must be BINDING=<worker module>, e.g. --service BACKEND=examples/backend-caller/demo-backend.ts; got "${value}"`);
    const [, binding = "", module = ""] = match;
    if (services.has(binding)) throw new LocalServiceFlagError(`--service ${binding} is given twice`);
    services.set(binding, module);
  }
  return services;
}

export interface LocalServerInputs {
  /** The server's script name (stack runs) or its `serverInfo.name`. */
  readonly server: string;
  readonly manifest: ServerManifest;
  /** Where this server's local data lives; the secrets file goes here. */
  readonly dataDir: string;
  /** `--service` modules by binding, paths relative to the working directory. */
  readonly services: ReadonlyMap<string, string>;
  /** Values of the manifest's vars, from the stack; absent for a run without a stack (vars are then bound empty). */
  readonly vars?: Readonly<Record<string, string>>;
  /** Stack resource names by binding (they key local persistence). @default `<server>-<binding>` */
  readonly resourceNames?: Readonly<Record<string, string>>;
  /** The Worker script each service binding reaches in the stack, for messages. @default {} */
  readonly serviceScripts?: Readonly<Record<string, string>>;
  /** Secrets the stack's `servers[i].secrets` declares beyond the manifest's. @default [] */
  readonly stackSecrets?: readonly string[];
  /** For Hyperdrive connection strings. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the service workers' bundles go. @default dist/dev-services/<server>/<binding> */
  readonly bundleDir?: string;
}

export interface LocalServer {
  readonly bindings: LocalBindingsPlan;
  readonly services: readonly LocalServiceWorker[];
  readonly secrets: DevSecrets | undefined;
  /** Secrets outside the manifest (the stack's `secrets:`), as text bindings for the worker. */
  readonly extraSecrets: Readonly<Record<string, string>>;
}

export async function prepareLocalServer(inputs: LocalServerInputs): Promise<LocalServer> {
  const declared = inputs.manifest.bindings ?? {};
  const serviceBindings = Object.keys(declared).filter((name) => declared[name]?.kind === "service");
  for (const binding of inputs.services.keys()) {
    if (!serviceBindings.includes(binding)) {
      throw new LocalServiceFlagError(
        `--service ${binding}: server ${inputs.server} declares no service binding ${binding}${serviceBindings.length > 0 ? `; its service bindings: ${serviceBindings.join(", ")}` : " (it declares none)"}`,
      );
    }
  }
  const manifestSecrets = Object.keys(declared).filter((name) => declared[name]?.kind === "secret");
  const secretNames = [...new Set([...manifestSecrets, ...(inputs.stackSecrets ?? [])])].sort();
  const secrets = secretNames.length > 0 ? await loadDevSecrets(join(inputs.dataDir, DEV_SECRETS_FILE), secretNames) : undefined;
  const services: LocalServiceWorker[] = [];
  const serviceTargets: Record<string, string> = {};
  for (const [binding, module] of inputs.services) {
    const name = `local-${binding.toLowerCase().replace(/_/g, "-")}`;
    const outfile = join(inputs.bundleDir ?? resolve(REPO_ROOT, "dist/dev-services", inputs.server), binding.toLowerCase(), "index.js");
    const bundle = await bundleWorker({ entry: resolve(process.cwd(), module), outfile }).catch((err: unknown) => {
      throw new LocalServiceFlagError(`--service ${binding}=${module} does not bundle: ${(err as Error).message}`, { cause: err });
    });
    // The server's secrets, under the same names, so a stand-in backend can check the token the server sends.
    services.push({ name, bundlePath: bundle.path, text: { ...secrets?.values } });
    serviceTargets[binding] = name;
  }
  const bindings = planLocalBindings({
    server: inputs.server,
    manifest: inputs.manifest,
    vars: inputs.vars ?? {},
    missingVar: inputs.vars === undefined ? "empty" : "error",
    secrets: secrets?.values ?? {},
    services: serviceTargets,
    ...(inputs.resourceNames ? { resourceNames: inputs.resourceNames } : {}),
    ...(inputs.serviceScripts ? { serviceScripts: inputs.serviceScripts } : {}),
    env: inputs.env ?? process.env,
  });
  const extraSecrets: Record<string, string> = {};
  for (const name of inputs.stackSecrets ?? []) if (!manifestSecrets.includes(name) && secrets) extraSecrets[name] = secrets.values[name] ?? "";
  return { bindings, services, secrets, extraSecrets };
}

/** Banner lines: each declared binding and where it lives locally. Never a secret value. */
export function describeLocalServer(
  local: LocalServer,
  manifest: ServerManifest,
  options: {
    readonly dataDir: string;
    /** `--service` modules as shown. */
    readonly services: ReadonlyMap<string, string>;
    /** The stack's script of each service binding. @default {} */
    readonly serviceScripts?: Readonly<Record<string, string>>;
    readonly migrations: readonly { binding: string; applied: readonly string[]; skipped: number }[];
  },
): string[] {
  const shown = (path: string) => {
    const rel = relative(REPO_ROOT, path);
    return rel && !rel.startsWith("..") ? rel : path;
  };
  const lines: string[] = [];
  for (const [name, declaration] of Object.entries(manifest.bindings ?? {})) {
    switch (declaration.kind) {
      case "d1": {
        const migrations = options.migrations.find((m) => m.binding === name);
        const applied = migrations ? `, migrations: ${migrations.applied.length} applied now, ${migrations.skipped} before` : "";
        lines.push(`${name}: local D1 "${local.bindings.d1Databases[name]}" in ${shown(join(options.dataDir, "d1"))}/${applied}`);
        break;
      }
      case "kv":
        lines.push(`${name}: local KV "${local.bindings.kvNamespaces[name]}" in ${shown(join(options.dataDir, "kv"))}/`);
        break;
      case "r2":
        lines.push(`${name}: local R2 bucket "${local.bindings.r2Buckets[name]}" in ${shown(join(options.dataDir, "r2"))}/`);
        break;
      case "queue":
        lines.push(`${name}: local queue "${local.bindings.queueProducers[name]?.queueName}" (no consumer runs)`);
        break;
      case "service":
        lines.push(`${name}: service binding to the local Worker ${options.services.get(name) ?? "?"}${options.serviceScripts?.[name] ? ` (deployed: ${options.serviceScripts[name]})` : ""}`);
        break;
      case "hyperdrive":
        lines.push(`${name}: Hyperdrive to the local Postgres in $${HYPERDRIVE_LOCAL_ENV_PREFIX}${name}`);
        break;
      case "ai":
        lines.push(`${name}: Workers AI, which runs only on Cloudflare: calls fail locally`);
        break;
      case "analytics_engine":
        lines.push(`${name}: local Analytics Engine dataset "${local.bindings.analyticsEngineDatasets[name]?.dataset}"`);
        break;
      case "var":
        lines.push(`${name}: var ${JSON.stringify(local.bindings.text[name])}`);
        break;
      case "secret":
        lines.push(`${name}: secret from ${shown(local.secrets?.file ?? "")}${local.secrets?.generated.includes(name) ? " (a random dev value, generated now)" : ""}`);
        break;
    }
  }
  for (const name of Object.keys(local.extraSecrets)) {
    lines.push(`${name}: secret from ${shown(local.secrets?.file ?? "")}${local.secrets?.generated.includes(name) ? " (a random dev value, generated now)" : ""}`);
  }
  for (const [binding, declaration] of Object.entries(manifest.durableObjects ?? {})) lines.push(`${binding}: Durable Object ${declaration.className}, stored in ${shown(options.dataDir)}/`);
  return lines;
}
