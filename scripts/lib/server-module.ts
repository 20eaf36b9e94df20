/**
 * Checks a server module before it is bundled for deployment: evaluates it
 * once in Node (with `cloudflare:workers` stubbed; nothing runs but the
 * module's top level), so `defineMcpServer`'s definition errors fail
 * `npm run build` naming the offender, and checks the exports the runtime
 * needs (a default export with `fetch`, the Durable Object class under
 * `MCP_AGENT.className`).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { CLOUDFLARE_WORKERS_STUB, ServerModuleError } from "../../infra/server-description.ts";
import { REPO_ROOT, WORKER_MODULE_BUILD } from "../../infra/worker-bundle.ts";
import { MCP_AGENT } from "../../worker/bindings.ts";

/** One error class for a server module that cannot be used, whichever tool found it. */
export { ServerModuleError };

export async function checkServerModule(entry: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "authgent-server-check-"));
  const out = join(dir, "server.mjs");
  const shown = relative(REPO_ROOT, entry) || entry;
  try {
    const result = await build({
      ...WORKER_MODULE_BUILD,
      entryPoints: [entry],
      absWorkingDir: REPO_ROOT,
      write: false,
      logLevel: "silent",
      plugins: [
        {
          name: "cloudflare-workers-stub",
          setup(b) {
            b.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: "cloudflare:workers", namespace: "stub" }));
            b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: CLOUDFLARE_WORKERS_STUB, loader: "js" }));
          },
        },
      ],
    }).catch((error: unknown) => {
      throw new ServerModuleError(`${shown} does not bundle: ${error instanceof Error ? error.message : String(error)}`);
    });
    await writeFile(out, result.outputFiles[0]?.text ?? "");
    const mod = (await import(pathToFileURL(out).href)) as Record<string, unknown>;
    const worker = mod.default as { fetch?: unknown } | undefined;
    if (typeof worker?.fetch !== "function") {
      throw new ServerModuleError(`${shown} must default-export the worker: export default defineMcpServer({...}).worker`);
    }
    if (typeof mod[MCP_AGENT.className] !== "function") {
      throw new ServerModuleError(`${shown} must export the Durable Object class ${MCP_AGENT.className}: export const { ${MCP_AGENT.className} } = server`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
