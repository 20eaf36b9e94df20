/**
 * Reads what a server module declares — its manifest and the scopes its
 * tools, resources and prompts require — by evaluating its Workers bundle
 * once in Node. The kit puts that description on the Worker object
 * (`worker/kit/description.ts`), so it comes from the code, never restated.
 *
 * The bundle evaluated is the deploy bundle itself (`bundleWorker`'s output,
 * `cloudflare:*` left external), so the Pulumi program reads every server's
 * description without a second esbuild run; only its `cloudflare:workers`
 * import is pointed at a stub, since workerd is not there to provide it.
 * Used by `infra/program.ts`, `npm start`, `npm run wrangler-config` and the tests.
 */
import { resolve } from "node:path";
import { MCP_AGENT } from "../worker/bindings.ts";
import { serverDescriptionOf, type ServerDescription } from "../worker/kit/description.ts";
import { bundlePath } from "./bundles.ts";
import { bundleWorker, REPO_ROOT, type WorkerBundle } from "./worker-bundle.ts";

export type { ServerDescription };

/**
 * Stand-in for workerd's `cloudflare:workers`
 * (https://developers.cloudflare.com/workers/runtime-apis/): the base classes a
 * module may extend at its top level. Nothing runs but that top level.
 */
export const CLOUDFLARE_WORKERS_STUB =
  "export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }\n" +
  "export class WorkerEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }\n" +
  "export class WorkflowEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }\n" +
  "export class RpcTarget {}\nexport const env = {};\nexport function waitUntil() {}\n";
const STUB_URL = `data:text/javascript,${encodeURIComponent(CLOUDFLARE_WORKERS_STUB)}`;

/** `import … from "cloudflare:workers"` and `import("cloudflare:workers")`, minified or not. */
const WORKERS_IMPORT = /(\bfrom\s*|\bimport\s*\(?\s*)(["'])cloudflare:workers\2/g;
/** Any other `cloudflare:` module: no stub, so the module cannot be evaluated here. */
const OTHER_CLOUDFLARE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](cloudflare:(?!workers["'])[\w-]+)["']/;

/** A server module that cannot be described: it does not evaluate, or lacks what the runtime needs. */
export class ServerModuleError extends Error {
  readonly code = "ERR_SERVER_MODULE";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ServerModuleError";
  }
}

/** Descriptions by bundle hash: a module is evaluated once per process, however many servers run it. */
const described = new Map<string, Promise<ServerDescription>>();

/**
 * Evaluates a Workers bundle (`WorkerBundle.code`) and returns its
 * description. Throws `ServerModuleError` naming `source` when the module
 * does not evaluate (a `ServerDefinitionError` from `defineMcpServer` is the
 * cause), has no `defineMcpServer` Worker as default export, or does not
 * export a Durable Object class its runtime binds.
 */
export function describeServerBundle(bundle: Pick<WorkerBundle, "code" | "sha256">, source: string): Promise<ServerDescription> {
  let description = described.get(bundle.sha256);
  if (!description) {
    description = evaluate(bundle.code, source);
    described.set(bundle.sha256, description);
    // A failure is not remembered: the next call (after a fix, in the same process) evaluates again.
    description.catch(() => described.delete(bundle.sha256));
  }
  return description;
}

/**
 * Bundles `source` (relative to the repository root) to its deploy location
 * and describes it: for tools that start from a path (`npm start`,
 * `npm run wrangler-config`). The Pulumi program describes the bundles it
 * builds anyway (`describeServerBundle`).
 */
export async function describeServerSource(source: string): Promise<{ readonly description: ServerDescription; readonly bundle: WorkerBundle }> {
  const entry = resolve(REPO_ROOT, source);
  const bundle = await bundleWorker({ entry, outfile: bundlePath(entry) }).catch((error: unknown) => {
    throw new ServerModuleError(`${source} does not bundle: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  return { description: await describeServerBundle(bundle, source), bundle };
}

async function evaluate(code: string, source: string): Promise<ServerDescription> {
  const other = OTHER_CLOUDFLARE_IMPORT.exec(code);
  if (other) throw new ServerModuleError(`${source} imports ${other[1] ?? "a cloudflare: module"}, which only workerd provides: the deploy tools evaluate server modules in Node and stub only cloudflare:workers`);
  const url = `data:text/javascript;base64,${Buffer.from(code.replace(WORKERS_IMPORT, (_match, lead: string) => `${lead}${JSON.stringify(STUB_URL)}`)).toString("base64")}`;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new ServerModuleError(`${source} fails when evaluated: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const description = serverDescriptionOf(mod["default"]);
  if (!description || typeof (mod["default"] as { fetch?: unknown }).fetch !== "function") {
    throw new ServerModuleError(`${source} must default-export the Worker of a server defined with the kit: export default defineMcpServer({...}).worker`);
  }
  const classes = [MCP_AGENT.className, ...Object.values(description.manifest.durableObjects ?? {}).map((d) => d.className)];
  for (const className of classes) {
    if (typeof mod[className] !== "function") {
      const hint = className === MCP_AGENT.className ? `export const { ${className} } = server` : `export class ${className} extends DurableObject { … }`;
      throw new ServerModuleError(`${source} must export the Durable Object class ${className}: ${hint}`);
    }
  }
  return description;
}
