/** Reading a server's manifest and scopes from its code (infra/server-description.ts). */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeServerBundle, describeServerSource, ServerModuleError } from "../../infra/server-description.ts";
import { bundleWorker, REPO_ROOT } from "../../infra/worker-bundle.ts";

const KIT = join(REPO_ROOT, "worker/kit/index.ts");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "server-description-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Bundles `code` as a Workers module (the deploy bundle's settings) and describes it. */
async function describeCode(name: string, code: string) {
  const entry = join(dir, `${name}.ts`);
  await writeFile(entry, code);
  const bundle = await bundleWorker({ entry, outfile: join(dir, `${name}.js`) });
  return describeServerBundle(bundle, `${name}.ts`);
}

describe("describeServerSource", () => {
  it("reads the default server: no manifest, the scopes of its tools", async () => {
    const { description, bundle } = await describeServerSource("worker/index.ts");
    expect(description).toEqual({ name: "authgent-edge", version: "0.1.0", manifest: {}, scopes: ["mcp:read", "mcp:write"] });
    expect(bundle.path).toBe(join(REPO_ROOT, "dist/worker/index.js"));
  });

  it("reads a server's manifest and the scopes of its tools and prompts, from the deploy bundle", async () => {
    const { description, bundle } = await describeServerSource("test/worker/fixtures/manifest-server.ts");
    expect(description.name).toBe("manifest-fixture");
    expect(description.scopes).toEqual(["fixture:prompt", "fixture:read"]);
    expect(description.manifest.bindings?.["NOTES_DB"]).toEqual({ kind: "d1", migrationsDir: "test/worker/fixtures/migrations" });
    expect(description.manifest.durableObjects).toEqual({ COUNTER: { className: "Counter" } });
    // The deploy bundle keeps cloudflare:workers external: the same file is uploaded and described.
    expect(bundle.code).toContain('"cloudflare:workers"');
    expect(bundle.path).toBe(join(REPO_ROOT, "dist/workers/test-worker-fixtures-manifest-server/index.js"));
  });
});

describe("describeServerBundle", () => {
  it("evaluates one bundle once, however often it is asked", async () => {
    const { bundle } = await describeServerSource("worker/index.ts");
    const first = describeServerBundle(bundle, "worker/index.ts");
    expect(describeServerBundle(bundle, "worker/index.ts")).toBe(first);
  });

  it("refuses a module whose default export is not a kit server", async () => {
    const error = await describeCode("plain", 'export default { fetch: () => new Response("hi") };').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerModuleError);
    expect((error as Error).message).toContain("plain.ts must default-export the Worker of a server defined with the kit");
  });

  it("names the source and the definition error when the module does not evaluate", async () => {
    const code = `import { defineMcpServer } from ${JSON.stringify(KIT)};
const s = defineMcpServer({ name: "x", version: "1", manifest: { bindings: { MCP_AUDIENCE: { kind: "var" } } } });
export default s.worker; export const { AuthgentMCPAgent } = s;`;
    const error = (await describeCode("colliding", code).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^colliding\.ts fails when evaluated: MCP server definition: server "x" manifest binding "MCP_AUDIENCE": collides/);
  });

  it("refuses a module that does not export a Durable Object class its manifest binds", async () => {
    const code = `import { defineMcpServer } from ${JSON.stringify(KIT)};
const s = defineMcpServer({ name: "x", version: "1", manifest: { durableObjects: { C: { className: "Counter" } }, migrations: [{ tag: "x1", newSqliteClasses: ["Counter"] }] } });
export default s.worker; export const { AuthgentMCPAgent } = s;`;
    await expect(describeCode("no-class", code)).rejects.toThrow("no-class.ts must export the Durable Object class Counter: export class Counter extends DurableObject");
  });

  it("refuses a module that imports a cloudflare: module other than cloudflare:workers", async () => {
    const code = `import { connect } from "cloudflare:sockets"; export default { fetch: () => connect };`;
    await expect(describeCode("sockets", code)).rejects.toThrow("sockets.ts imports cloudflare:sockets, which only workerd provides");
  });
});
