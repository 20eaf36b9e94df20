/**
 * The complete example of docs/writing-a-server.md, built as `npm run build --
 * --source` builds it and run in workerd, against both official MCP clients:
 * `@modelcontextprotocol/client` 2.x negotiating 2026-07-28 (server/discover,
 * stateless, input_required) and `@modelcontextprotocol/sdk` 1.x on 2025-11-25.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { bundleWorker, REPO_ROOT, WORKER_ENTRY } from "../../infra/worker-bundle.ts";
import { checkServerModule, ServerModuleError } from "../../scripts/lib/server-module.ts";
import { startLocalWorker, type LocalWorker } from "../../scripts/lib/local-worker.ts";
import { freePort, startLocalIssuer, textOf, type LocalIssuer } from "./support/harness.ts";

const DOC = resolve(REPO_ROOT, "docs/writing-a-server.md");
const WORK_DIR = resolve(REPO_ROOT, "dist/test-servers");

/** The doc's first ```ts block, with its `../worker/` imports pointing at this checkout. */
async function docExample(): Promise<string> {
  const block = /```ts\n([\s\S]*?)```/.exec(await readFile(DOC, "utf8"))?.[1];
  if (!block) throw new Error(`${DOC} has no \`\`\`ts example`);
  return block.replaceAll('"../worker/', `"${resolve(REPO_ROOT, "worker")}/`);
}

/** Issue target for the default server's bundle, bytes after gzip. */
const MAX_DEFAULT_BUNDLE_GZIP = 60 * 1024;

let issuer: LocalIssuer;
let exampleBundle: string;
let worker: LocalWorker;
let origin: string;

beforeAll(async () => {
  await mkdir(WORK_DIR, { recursive: true });
  const entry = resolve(WORK_DIR, "notes.ts");
  await writeFile(entry, await docExample());
  await checkServerModule(entry);
  const bundle = await bundleWorker({ entry, outfile: resolve(WORK_DIR, "notes/index.js") });
  exampleBundle = bundle.code;
  issuer = await startLocalIssuer();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  worker = await startLocalWorker({ port, bundlePath: bundle.path, vars: { AUTHGENT_ISSUER: issuer.issuer, MCP_AUDIENCE: origin } });
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await issuer?.close();
});

async function token(sub: string): Promise<string> {
  return issuer.mint(origin, { claims: { sub, scope: "mcp:read mcp:write" } });
}

describe("the docs example with @modelcontextprotocol/client 2.x", () => {
  async function connectV2(sub: string, confirm: "accept" | "decline" = "accept"): Promise<{ client: ClientV2; transport: TransportV2 }> {
    const transport = new TransportV2(new URL(`${origin}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${await token(sub)}` } } });
    const client = new ClientV2({ name: "e2e-v2", version: "1.0.0" }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: "auto" } });
    client.setRequestHandler("elicitation/create", async () => ({ action: confirm, content: {} }));
    await client.connect(transport);
    return { client, transport };
  }

  it("negotiates 2026-07-28 through server/discover, not the 2025 fallback", async () => {
    const { client, transport } = await connectV2("v2-discover");
    try {
      expect(transport.protocolVersion).toBe("2026-07-28");
      expect(client.getServerVersion()).toMatchObject({ name: "notes", version: "1.0.0" });
      expect(client.getInstructions()).toContain("add_note");
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["add_note", "list_notes", "clear_note"]);
      expect(tools[0]?.inputSchema).toMatchObject({ type: "object", required: ["title", "text"] });
    } finally {
      await client.close();
    }
  });

  it("streams progress notifications over SSE, then returns structuredContent validated against outputSchema", async () => {
    const { client } = await connectV2("v2-progress");
    try {
      const seen: number[] = [];
      const saved = await client.callTool({ name: "add_note", arguments: { title: "groceries", text: "eggs" } }, { onprogress: (p) => seen.push(p.progress) });
      expect(textOf(saved)).toBe('Saved "groceries".');
      expect(seen).toEqual([0, 2]);
      const listed = await client.callTool({ name: "list_notes", arguments: {} });
      expect(listed.structuredContent).toEqual({ titles: ["groceries"] });
    } finally {
      await client.close();
    }
  });

  it("asks for confirmation with input_required and completes on the client's retry", async () => {
    const accepting = await connectV2("v2-confirm");
    try {
      await accepting.client.callTool({ name: "add_note", arguments: { title: "old", text: "x" } });
      expect(textOf(await accepting.client.callTool({ name: "clear_note", arguments: { title: "old" } }))).toBe('Emptied "old".');
    } finally {
      await accepting.client.close();
    }
    const declining = await connectV2("v2-confirm", "decline");
    try {
      expect(textOf(await declining.client.callTool({ name: "clear_note", arguments: { title: "old" } }))).toBe("Kept the note.");
    } finally {
      await declining.client.close();
    }
  });

  it("never sends inputRequests a 2026 client did not declare (no elicitation capability → a tool error)", async () => {
    const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
    const response = await fetch(`${origin}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await token("v2-no-elicitation")}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "clear_note",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "clear_note", arguments: { title: "x" }, _meta: meta } }),
    });
    const { result } = (await response.json()) as { result: { resultType: string; isError?: boolean; inputRequests?: unknown } };
    expect(result.resultType).toBe("complete");
    expect(result.isError).toBe(true);
    expect(result.inputRequests).toBeUndefined();
  });

  it("reads resources and templates, gets prompts and completes arguments", async () => {
    const { client } = await connectV2("v2-resources");
    try {
      await client.callTool({ name: "add_note", arguments: { title: "trip", text: "pack light" } });
      expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["notes://about"]);
      expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(["notes://note/{title}"]);
      expect((await client.readResource({ uri: "notes://note/trip" })).contents).toEqual([{ uri: "notes://note/trip", mimeType: "text/plain", text: "pack light" }]);
      const prompt = await client.getPrompt({ name: "summarize", arguments: { title: "trip" } });
      expect(JSON.stringify(prompt.messages)).toContain("notes://note/trip");
      const completion = await client.complete({ ref: { type: "ref/prompt", name: "summarize" }, argument: { name: "title", value: "tr" } });
      expect(completion.completion.values).toEqual(["trip"]);
    } finally {
      await client.close();
    }
  });
});

describe("the docs example with @modelcontextprotocol/sdk 1.x (2025-11-25)", () => {
  async function connectV1(sub: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${await token(sub)}` } } });
    const client = new Client({ name: "e2e-v1", version: "1.0.0" });
    await client.connect(transport);
    return { client, transport };
  }

  it("initializes, calls tools, reads templates, gets prompts and completes", async () => {
    const { client, transport } = await connectV1("v1-user");
    try {
      expect(transport.protocolVersion).toBe("2025-11-25");
      expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {}, completions: {} });
      const seen: number[] = [];
      await client.callTool({ name: "add_note", arguments: { title: "v1", text: "hello" } }, undefined, { onprogress: (p) => seen.push(p.progress) });
      expect(seen).toEqual([0, 2]);
      expect((await client.callTool({ name: "list_notes", arguments: {} })).structuredContent).toEqual({ titles: ["v1"] });
      expect((await client.readResource({ uri: "notes://note/v1" })).contents[0]).toMatchObject({ text: "hello" });
      expect((await client.complete({ ref: { type: "ref/resource", uri: "notes://note/{title}" }, argument: { name: "title", value: "v" } })).completion.values).toEqual(["v1"]);
      const clear = await client.callTool({ name: "clear_note", arguments: { title: "v1" } });
      expect(clear.isError).toBe(true);
      expect(textOf(clear)).toContain("2026-07-28");
    } finally {
      await client.close();
    }
  });
});

describe("what a server does not use tree-shakes away", () => {
  it("keeps zod out of the default server's bundle, which stays within 60 KB gzip; the zod example carries it", async () => {
    const { code } = await bundleWorker({ entry: WORKER_ENTRY, outfile: resolve(WORK_DIR, "default/index.js") });
    expect(gzipSync(code).byteLength).toBeLessThanOrEqual(MAX_DEFAULT_BUNDLE_GZIP);
    // zod's error class name survives minification (it sets `name`); the example uses zod, the default server does not.
    const ZOD_MARKER = "ZodError";
    expect(exampleBundle).toContain(ZOD_MARKER);
    expect(code).not.toContain(ZOD_MARKER);
  });
});

describe("2026-07-28 per-request log level (server/utilities/logging.mdx)", () => {
  async function addNote(sub: string, meta: Record<string, unknown>): Promise<Response> {
    const envelope = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}, ...meta };
    return fetch(`${origin}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await token(sub)}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "add_note",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "add_note", arguments: { title: "t", text: "x" }, _meta: envelope } }),
    });
  }

  it("streams notifications/message at the requested level, then the result", async () => {
    const response = await addNote("log-level", { "io.modelcontextprotocol/logLevel": "info" });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = (await response.text()).split("\n\n").filter((e) => e.startsWith("event: message")).map((e) => JSON.parse(e.split("data: ")[1] ?? "null") as Record<string, unknown>);
    expect(events.map((e) => e.method ?? "result")).toEqual(["notifications/message", "result"]);
    expect(events[0]).toMatchObject({ params: { level: "info", data: { saved: "t" } } });
    expect(events[1]).toMatchObject({ id: 9, result: { resultType: "complete" } });
  });

  it("sends no log message without the _meta level (MUST NOT) and answers plain JSON", async () => {
    const response = await addNote("no-log-level", {});
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toMatchObject({ id: 9, result: { resultType: "complete" } });
  });

  it("filters below the requested level", async () => {
    const response = await addNote("log-level-error", { "io.modelcontextprotocol/logLevel": "error" });
    expect(response.headers.get("content-type")).toBe("application/json");
  });
});

describe("definition errors fail the build naming the offender", () => {
  it("refuses a module whose tool has no scope before bundling", async () => {
    const entry = resolve(WORK_DIR, "broken.ts");
    const kit = resolve(REPO_ROOT, "worker/kit/index.ts");
    await writeFile(
      entry,
      `import { defineMcpServer, textResult, tool } from ${JSON.stringify(kit)};
const open = tool({ name: "open_door", description: "d", inputSchema: { type: "object", properties: {} }, scope: "", handler: async () => textResult("x") });
const server = defineMcpServer({ name: "broken", version: "1", tools: [open] });
export default server.worker;
export const { AuthgentMCPAgent } = server;
`,
    );
    await expect(checkServerModule(entry)).rejects.toThrow('tool "open_door": every tool needs a "scope"');
  });

  it("refuses a module that does not export the Durable Object class", async () => {
    const entry = resolve(WORK_DIR, "no-agent.ts");
    const kit = resolve(REPO_ROOT, "worker/kit/index.ts");
    await writeFile(entry, `import { defineMcpServer } from ${JSON.stringify(kit)};\nexport default defineMcpServer({ name: "n", version: "1" }).worker;\n`);
    await expect(checkServerModule(entry)).rejects.toThrow(ServerModuleError);
  });
});
