/**
 * A server or a created binding removed from the stack: the program reads the
 * last deploy's `servers` output (here supplied as `previousOutputs`, what
 * `pulumi stack output --json` prints; under `pulumi up` a StackReference to
 * the stack itself) and the preview warns, up front, what data would go, that
 * the engine refuses, and the two ways out.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parseStackConfig, PROJECT } from "../../infra/config.ts";
import { readOwnPreviousServers } from "../../infra/previous-outputs.ts";
import type { StackOutputs } from "../../infra/program.ts";
import { removalNotes } from "../../infra/removed-data.ts";
import { renderFleet } from "../../scripts/lib/offline-plan.ts";
import { baseValues, input } from "./support/fixtures.ts";

const NOTES = { name: "notes-mcp", source: "examples/notes/server.ts", audience: "https://notes-mcp.example.com", customDomain: "notes-mcp.example.com" };

/** alpha (kit only) and notes-mcp (D1 NOTES_DB + KV NOTES_CACHE, both created), changed by `change`. */
function values(change: (servers: Record<string, unknown>[], all: Record<string, unknown>) => void = () => {}): Record<string, unknown> {
  const v = baseValues();
  const servers = v["servers"] as Record<string, unknown>[];
  servers.push({ ...NOTES, bindings: { NOTES_DB: { create: {} }, NOTES_CACHE: { create: {} } } });
  change(servers, v);
  return v;
}

const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => void output.apply(resolve));

/** The stack outputs of a deploy of `v`, as plain JSON (`pulumi stack output --json`). */
async function deployed(v: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { outputs } = await renderFleet(parseStackConfig(input(v)));
  return { servers: await plainServers(outputs) };
}

async function plainServers(outputs: StackOutputs): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(outputs.servers).map(async ([name, s]) => [name, { scriptName: await resolved(s.scriptName), url: await resolved(s.url), data: s.data }] as const),
  );
  return Object.fromEntries(entries);
}

async function notesAfter(previousOutputs: Record<string, unknown> | undefined, v: Record<string, unknown>): Promise<readonly string[]> {
  const { notes } = await renderFleet(parseStackConfig(input(v)), previousOutputs ? { previousOutputs } : {});
  return notes;
}

const removalWarnings = (notes: readonly string[]) => notes.filter((n) => /^warning: server \S+(:| was deployed)/.test(n));

describe("what each server exports about its data", () => {
  it("records the Durable Object classes of its script, the resources created for its bindings and whether it is retired", async () => {
    const { servers } = await deployed(values());
    expect(servers).toMatchObject({
      alpha: { scriptName: "alpha", data: { durableObjects: ["AuthgentMCPAgent"], created: {}, retired: false } },
      "notes-mcp": {
        scriptName: "notes-mcp",
        data: {
          durableObjects: ["AuthgentMCPAgent"],
          created: { NOTES_DB: { kind: "d1", name: "notes-mcp-notes-db", deleteData: false }, NOTES_CACHE: { kind: "kv", name: "notes-mcp-notes-cache", deleteData: false } },
          retired: false,
        },
      },
    });
  });
});

describe("a server removed from servers:", () => {
  it("gets one warning naming its script, its Durable Object data, its D1 database and KV namespace, the refusal and both ways out", async () => {
    const previous = await deployed(values());
    const notes = await notesAfter(previous, values((servers) => servers.splice(1, 1)));
    const warnings = removalWarnings(notes);
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(warning).toContain("warning: server notes-mcp was deployed by this stack and is no longer in servers:");
    expect(warning).toContain("its Worker script notes-mcp with its Durable Object data (AuthgentMCPAgent: every user's data)");
    expect(warning).toContain("D1 database notes-mcp-notes-db (NOTES_DB)");
    expect(warning).toContain("KV namespace notes-mcp-notes-cache (NOTES_CACHE)");
    expect(warning).toContain('"… cannot be deleted because it is protected"');
    expect(warning).toContain("put notes-mcp back under servers:");
    expect(warning).toContain("previousNames: [notes-mcp]");
    expect(warning).toContain("add { name: notes-mcp, deleteData: true } to retiredServers");
    expect(warning).toContain("wrangler d1 export notes-mcp-notes-db --remote --output notes-mcp-notes-db.sql");
  });

  it("gets no warning when it was renamed with previousNames", async () => {
    const previous = await deployed(values());
    const renamed = values((servers) => Object.assign(servers[1]!, { name: "notes", previousNames: ["notes-mcp"] }));
    expect(removalWarnings(await notesAfter(previous, renamed))).toEqual([]);
  });

  it("after it was retired: the existing retirement notes while listed, then a note (not this warning) that pulumi up deletes it", async () => {
    const retire = (_servers: Record<string, unknown>[], all: Record<string, unknown>) => void (all["retiredServers"] = [{ name: "notes-mcp", deleteData: true }]);
    const retiredDeploy = await deployed(values(retire));
    const stillListed = await notesAfter(retiredDeploy, values(retire));
    expect(removalWarnings(stillListed)).toEqual([]);
    expect(stillListed.some((n) => n.startsWith("server notes-mcp is marked for deletion (retiredServers)"))).toBe(true);
    expect(stillListed.some((n) => n.startsWith("server notes-mcp is retired (retiredServers): the resources the stack created for it are no longer protected"))).toBe(true);

    const removed = await notesAfter(retiredDeploy, values((servers) => servers.splice(1, 1)));
    expect(removalWarnings(removed)).toEqual([]);
    expect(removed).toContainEqual(expect.stringMatching(/^server notes-mcp was retired \(retiredServers, deleteData: true\) and is no longer in servers:, so `pulumi up` deletes its Worker script notes-mcp .*D1 database notes-mcp-notes-db \(NOTES_DB\)/));
  });
});

describe("a created binding removed from a server", () => {
  it("gets a warning naming the resource and the entry, and none for the binding still created", async () => {
    const previous = await deployed(values());
    // The code still binds NOTES_CACHE, so the way to stop creating it is a reference to an existing namespace.
    const referenced = values((servers) => ((servers[1]!["bindings"] as Record<string, unknown>)["NOTES_CACHE"] = { id: "fedcba9876543210fedcba9876543210" }));
    const warnings = removalWarnings(await notesAfter(previous, referenced));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("warning: server notes-mcp: KV namespace notes-mcp-notes-cache (NOTES_CACHE) was created by this stack and servers[1].bindings.NOTES_CACHE no longer creates it");
    expect(warnings[0]).toContain("cannot be deleted because it is protected");
    expect(warnings[0]).toContain("put the create: entry back under servers[1].bindings.NOTES_CACHE");
    expect(warnings[0]).toContain("{ kind: kv, create: { name: notes-mcp-notes-cache }, deleteData: true }");
    expect(warnings[0]).not.toContain("NOTES_DB");
  });

  it("gets no warning while it is being retired with deleteData (still declared, unprotected)", async () => {
    const previous = await deployed(values());
    const retiring = values((servers) => ((servers[1]!["bindings"] as Record<string, unknown>)["NOTES_CACHE"] = { create: {}, deleteData: true }));
    expect(removalWarnings(await notesAfter(previous, retiring))).toEqual([]);
  });
});

describe("nothing to compare", () => {
  it("says nothing on a first deploy: no previous outputs, or outputs without servers", async () => {
    expect(removalWarnings(await notesAfter(undefined, values()))).toEqual([]);
    expect(await notesAfter({}, values())).toEqual(await notesAfter(undefined, values()));
  });

  it("says nothing when nothing was removed", async () => {
    const previous = await deployed(values());
    expect(await notesAfter(previous, values())).toEqual(await notesAfter(undefined, values()));
  });

  it("names only the server, for outputs of a deploy made before servers exported their data", () => {
    const notes = removalNotes({ "old-mcp": { scriptName: "old-mcp", url: "https://old.example.com" } }, [], new Map(), []);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("warning: server old-mcp was deployed by this stack and is no longer in servers:. Removing it would delete its Worker script old-mcp with its Durable Object data (AuthgentMCPAgent");
  });
});

describe("never failing the preview by itself", () => {
  it("warns once and plans as usual when the previous outputs are not in the exported shape", async () => {
    const notes = await notesAfter({ servers: ["notes-mcp"] }, values());
    expect(notes.filter((n) => n.includes("previous `servers` output is not what this program exports"))).toHaveLength(1);
  });

  it("notes a failed read and plans as usual", async () => {
    const failing = {
      get servers(): unknown {
        throw new Error("backend unavailable");
      },
    };
    const { notes, plan } = await renderFleet(parseStackConfig(input(values())), { previousOutputs: failing });
    expect(notes).toContainEqual(expect.stringContaining("could not read this stack's previous outputs (backend unavailable)"));
    expect(plan.resources.some((r) => r.name === "notes-mcp-script")).toBe(true);
  });
});

describe("the program's read of its own stack (infra/previous-outputs.ts)", () => {
  /** Pulumi's mocks answering the StackReference read with `outputs` (or, like the engine on no state, without). */
  async function mockRead(preview: boolean, outputs?: Record<string, unknown>): Promise<string[]> {
    const reads: string[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          if (args.type === "pulumi:pulumi:StackReference") reads.push(String((args.inputs as { name?: unknown }).name));
          return { id: `${args.name}-id`, state: { ...(args.inputs as object), ...(outputs ? { outputs } : {}) } };
        },
        call: (args) => args.inputs,
      },
      PROJECT,
      "production",
      preview,
      "acme",
    );
    return reads;
  }

  it.each([false, true])("reads the servers output of the stack it runs in, by its full name (preview: %s)", async (preview) => {
    const reads = await mockRead(preview, { servers: { "notes-mcp": { scriptName: "notes-mcp" } } });
    expect(await readOwnPreviousServers()).toEqual({ "notes-mcp": { scriptName: "notes-mcp" } });
    expect(reads).toEqual([`acme/${PROJECT}/production`]);
  });

  it.each([false, true])("reads nothing, without waiting, when the read has no outputs (preview: %s)", async (preview) => {
    await mockRead(preview);
    const started = Date.now();
    expect(await readOwnPreviousServers()).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
