/**
 * The notes example (examples/notes/) bundled as `npm run build -- --source`
 * bundles it and run in workerd as `npm start` runs it: real local D1 (its
 * migrations applied by the local runner) and KV, the local issuer, the
 * official SDK client (1.32.2). Covers per-user isolation, the read cache and
 * its invalidation, resources, the prompt and completions, bounds and scopes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bundleWorker, REPO_ROOT } from "../../infra/worker-bundle.ts";
import { planLocalBindings } from "../../scripts/lib/local-bindings.ts";
import { startLocalWorker, type LocalWorker } from "../../scripts/lib/local-worker.ts";
import { checkServerModule } from "../../scripts/lib/server-module.ts";
import { manifest } from "../../examples/notes/manifest.ts";
import { cachePrefixOf } from "../../examples/notes/cache-keys.ts";
import { connectClient, freePort, postMcp, startLocalIssuer, textOf, type LocalIssuer } from "./support/harness.ts";

const ENTRY = resolve(REPO_ROOT, "examples/notes/server.ts");
const OUTFILE = resolve(REPO_ROOT, "dist/test-servers/example-notes/index.js");
const BOTH = "notes:read notes:write";

let issuer: LocalIssuer;
let worker: LocalWorker;
let origin: string;
let port: number;
let stateDir: string;
let bundlePath: string;

async function start(): Promise<LocalWorker> {
  return startLocalWorker({
    port,
    bundlePath,
    persistDir: stateDir,
    vars: { AUTHGENT_ISSUER: issuer.issuer, MCP_AUDIENCE: origin },
    bindings: planLocalBindings({ server: "notes", manifest }),
  });
}

beforeAll(async () => {
  await checkServerModule(ENTRY);
  bundlePath = (await bundleWorker({ entry: ENTRY, outfile: OUTFILE })).path;
  stateDir = await mkdtemp(join(tmpdir(), "example-notes-"));
  issuer = await startLocalIssuer();
  port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  worker = await start();
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await issuer?.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** The issuer's `iss|sub`, as principalKey builds it for an unshared subject. */
function ownerOf(sub: string): string {
  return `${issuer.issuer}|${sub}`;
}

async function connect(sub: string, scope = BOTH): Promise<Client> {
  const token = await issuer.mint(origin, { claims: { sub, scope } });
  return (await connectClient(new URL(`${origin}/mcp`), token)).client;
}

interface NoteShape {
  id: string;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

async function create(client: Client, title: string, body: string): Promise<NoteShape> {
  const result = await client.callTool({ name: "create_note", arguments: { title, body } });
  expect(result.isError, textOf(result)).toBeFalsy();
  return (result.structuredContent as { note: NoteShape }).note;
}

describe("local D1: the manifest's migrations", () => {
  it("were applied in name order before the first request, into wrangler's d1_migrations table", async () => {
    expect(worker.migrations).toEqual([{ binding: "NOTES_DB", applied: ["0001_create_notes.sql", "0002_notes_by_updated.sql"], skipped: 0 }]);
    const db = await worker.mf.getD1Database("NOTES_DB");
    const { results } = await db.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
    expect(results.map((row) => row.name)).toEqual(["0001_create_notes.sql", "0002_notes_by_updated.sql"]);
    const index = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'notes_owner_updated'").first();
    expect(index).not.toBeNull();
  });
});

describe("tools", () => {
  it("lists the five tools and serves its own scopes in RFC 9728 metadata", async () => {
    const client = await connect("lister");
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["create_note", "update_note", "delete_note", "get_note", "list_notes"]);
      const metadata = (await (await fetch(`${origin}/.well-known/oauth-protected-resource`)).json()) as { scopes_supported: string[] };
      expect(metadata.scopes_supported).toEqual(["notes:read", "notes:write"]);
    } finally {
      await client.close();
    }
  });

  it("creates, reads, lists, searches, updates and deletes a note", async () => {
    const client = await connect("roundtrip");
    try {
      const note = await create(client, "Groceries", "eggs, flour");
      expect(note.id).toMatch(/^[0-9a-f-]{36}$/);
      const got = await client.callTool({ name: "get_note", arguments: { id: note.id } });
      expect(got.structuredContent).toEqual({ note });
      await create(client, "Trip", "pack light");
      const listed = await client.callTool({ name: "list_notes", arguments: {} });
      expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title).sort()).toEqual(["Groceries", "Trip"]);
      const searched = await client.callTool({ name: "list_notes", arguments: { query: "FLOUR" } });
      expect((searched.structuredContent as { notes: { id: string }[] }).notes.map((n) => n.id)).toEqual([note.id]);
      // LIKE wildcards in a query match themselves only.
      const percent = await create(client, "Discount", "50% off");
      for (const [query, expected] of [["%", [percent.id]], ["_", []], ["50% o", [percent.id]]] as const) {
        const found = await client.callTool({ name: "list_notes", arguments: { query } });
        expect((found.structuredContent as { notes: { id: string }[] }).notes.map((n) => n.id), query).toEqual(expected);
      }
      await client.callTool({ name: "delete_note", arguments: { id: percent.id } });
      const updated = await client.callTool({ name: "update_note", arguments: { id: note.id, body: "eggs, flour, milk" } });
      expect((updated.structuredContent as { note: NoteShape }).note).toMatchObject({ id: note.id, title: "Groceries", body: "eggs, flour, milk" });
      expect(textOf(await client.callTool({ name: "delete_note", arguments: { id: note.id } }))).toBe(`Deleted note ${note.id}.`);
      const gone = await client.callTool({ name: "get_note", arguments: { id: note.id } });
      expect(gone.isError).toBe(true);
      expect(textOf(gone)).toBe(`No note with id ${note.id}. list_notes shows your notes and their ids.`);
    } finally {
      await client.close();
    }
  });

  it("refuses out-of-bounds arguments before touching D1, naming the argument", async () => {
    const client = await connect("bounds");
    try {
      const long = await client.callTool({ name: "create_note", arguments: { title: "x".repeat(121), body: "" } });
      expect(long.isError).toBe(true);
      expect(textOf(long)).toContain("title");
      const blank = await client.callTool({ name: "create_note", arguments: { title: "   ", body: "" } });
      expect(blank.isError).toBe(true);
      const badId = await client.callTool({ name: "get_note", arguments: { id: "../../etc/passwd" } });
      expect(badId.isError).toBe(true);
      expect(textOf(badId)).toContain("id");
      const nothing = await client.callTool({ name: "update_note", arguments: { id: "00000000-0000-4000-8000-000000000000" } });
      expect(textOf(nothing)).toBe("Nothing to change: give a new title, a new body or both.");
    } finally {
      await client.close();
    }
  });

  it("refuses a note beyond the per-user limit with a tool error saying what to do", async () => {
    const db = await worker.mf.getD1Database("NOTES_DB");
    const owner = ownerOf("full-user");
    await db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 499)
         INSERT INTO notes (owner, id, title, body, created_at, updated_at) SELECT ?1, printf('00000000-0000-4000-8000-%012d', i), 't', '', 0, 0 FROM n`,
      )
      .bind(owner)
      .run();
    const client = await connect("full-user");
    try {
      const refused = await client.callTool({ name: "create_note", arguments: { title: "one more", body: "" } });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe("You already have 500 notes, the most one user may keep. Delete some with delete_note first.");
      const count = await db.prepare("SELECT COUNT(*) AS n FROM notes WHERE owner = ?1").bind(owner).first<{ n: number }>();
      expect(count?.n).toBe(500);
    } finally {
      await client.close();
    }
  });

  it("answers a read-only token's write with 403 insufficient_scope naming notes:write", async () => {
    const token = await issuer.mint(origin, { claims: { sub: "reader", scope: "notes:read" } });
    const response = await postMcp(new URL(`${origin}/mcp`), token, "tools/call", { name: "create_note", arguments: { title: "t", body: "" } });
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(response.headers.get("www-authenticate")).toContain('scope="notes:write"');
  });
});

describe("per-user isolation by the verified principal", () => {
  it("never lets one user read, list, complete, change or delete another's note, and answers as for a missing note", async () => {
    const alice = await connect("alice");
    const mallory = await connect("mallory");
    try {
      const note = await create(alice, "Alice's secret", "the plan");
      const missing = (id: string) => `No note with id ${id}. list_notes shows your notes and their ids.`;
      for (const [name, args] of [
        ["get_note", { id: note.id }],
        ["update_note", { id: note.id, body: "pwned" }],
        ["delete_note", { id: note.id }],
      ] as const) {
        const result = await mallory.callTool({ name, arguments: args });
        expect(result.isError, name).toBe(true);
        expect(textOf(result)).toBe(missing(note.id));
      }
      expect((await mallory.callTool({ name: "list_notes", arguments: {} })).structuredContent).toEqual({ notes: [] });
      expect((await mallory.readResource({ uri: `notes://${note.id}` })).contents).toEqual([]);
      const completion = await mallory.complete({ ref: { type: "ref/resource", uri: "notes://{id}" }, argument: { name: "id", value: note.id.slice(0, 4) } });
      expect(completion.completion.values).toEqual([]);
      // Alice's note is untouched.
      expect((await alice.callTool({ name: "get_note", arguments: { id: note.id } })).structuredContent).toEqual({ note });
    } finally {
      await alice.close();
      await mallory.close();
    }
  });
});

describe("the KV read cache", () => {
  it("serves a cached note, and a write deletes the entry before it returns so the next read sees D1", async () => {
    const client = await connect("cache-user");
    const kv = await worker.mf.getKVNamespace("NOTES_CACHE");
    try {
      const note = await create(client, "Cached", "v1");
      const key = `${await cachePrefixOf(ownerOf("cache-user"))}note/${note.id}`;
      expect(await kv.get(key)).toBeNull();
      await client.callTool({ name: "get_note", arguments: { id: note.id } });
      // Filled after the response (waitUntil).
      await vi.waitFor(async () => expect(await kv.get(key)).not.toBeNull(), { timeout: 5000 });
      // Reads come from the cache: a value only KV holds is what get_note returns.
      await kv.put(key, JSON.stringify({ ...note, body: "from the cache" }));
      const cached = await client.callTool({ name: "get_note", arguments: { id: note.id } });
      expect((cached.structuredContent as { note: NoteShape }).note.body).toBe("from the cache");
      await client.callTool({ name: "update_note", arguments: { id: note.id, body: "v2" } });
      expect(await kv.get(key)).toBeNull();
      const fresh = await client.callTool({ name: "get_note", arguments: { id: note.id } });
      expect((fresh.structuredContent as { note: NoteShape }).note.body).toBe("v2");
    } finally {
      await client.close();
    }
  });

  it("invalidates the cached recent list on create and delete", async () => {
    const client = await connect("recent-user");
    const kv = await worker.mf.getKVNamespace("NOTES_CACHE");
    const key = `${await cachePrefixOf(ownerOf("recent-user"))}recent`;
    const titles = async () => ((await client.callTool({ name: "list_notes", arguments: {} })).structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title);
    try {
      const first = await create(client, "first", "");
      expect(await titles()).toEqual(["first"]);
      await vi.waitFor(async () => expect(await kv.get(key)).not.toBeNull(), { timeout: 5000 });
      await create(client, "second", "");
      expect(await kv.get(key)).toBeNull();
      expect((await titles()).sort()).toEqual(["first", "second"]);
      await vi.waitFor(async () => expect(await kv.get(key)).not.toBeNull(), { timeout: 5000 });
      await client.callTool({ name: "delete_note", arguments: { id: first.id } });
      expect(await titles()).toEqual(["second"]);
      // Other users' cache entries live under another prefix.
      expect(await cachePrefixOf(ownerOf("recent-user"))).not.toBe(await cachePrefixOf(ownerOf("someone-else")));
    } finally {
      await client.close();
    }
  });
});

describe("resources, prompt and completion through the SDK client", () => {
  it("lists notes://recent and the notes://{id} template, reads both, completes ids and embeds notes in summarize_notes", async () => {
    const client = await connect("reader-writer");
    try {
      const note = await create(client, "Meeting", "Decided: ship on Friday.");
      expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["notes://recent"]);
      expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(["notes://{id}"]);
      const recent = await client.readResource({ uri: "notes://recent" });
      const listed = JSON.parse((recent.contents[0] as { text: string }).text) as { notes: { id: string; uri: string }[] };
      expect(listed.notes).toEqual([expect.objectContaining({ id: note.id, uri: `notes://${note.id}` })]);
      expect((await client.readResource({ uri: `notes://${note.id}` })).contents).toEqual([
        { uri: `notes://${note.id}`, mimeType: "text/markdown", text: "# Meeting\n\nDecided: ship on Friday." },
      ]);
      const templateCompletion = await client.complete({ ref: { type: "ref/resource", uri: "notes://{id}" }, argument: { name: "id", value: note.id.slice(0, 6) } });
      expect(templateCompletion.completion.values).toEqual([note.id]);
      const promptCompletion = await client.complete({ ref: { type: "ref/prompt", name: "summarize_notes" }, argument: { name: "id", value: "" } });
      expect(promptCompletion.completion.values).toEqual([note.id]);
      const prompt = await client.getPrompt({ name: "summarize_notes", arguments: { id: note.id } });
      expect(prompt.messages[1]).toEqual({
        role: "user",
        content: { type: "resource", resource: { uri: `notes://${note.id}`, mimeType: "text/markdown", text: "# Meeting\n\nDecided: ship on Friday." } },
      });
      const all = await client.getPrompt({ name: "summarize_notes" });
      expect(all.messages).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});

describe("restart", () => {
  it("keeps the notes in the state dir and applies no migration twice", async () => {
    const client = await connect("survivor");
    const note = await create(client, "Persistent", "still here");
    await client.close();
    await worker.dispose();
    worker = await start();
    expect(worker.migrations).toEqual([{ binding: "NOTES_DB", applied: [], skipped: 2 }]);
    const again = await connect("survivor");
    try {
      expect((await again.callTool({ name: "get_note", arguments: { id: note.id } })).structuredContent).toEqual({ note });
    } finally {
      await again.close();
    }
  });
});
