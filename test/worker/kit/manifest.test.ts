/** Server manifests: the definition checks and the `env` type a manifest yields. */
import { describe, expect, expectTypeOf, it } from "vitest";
import { WORKER_VARS } from "../../../worker/bindings.ts";
import { compileServer } from "../../../worker/kit/compile.ts";
import { serverDescriptionOf } from "../../../worker/kit/description.ts";
import { ServerDefinitionError } from "../../../worker/kit/errors.ts";
import { defineMcpServer, defineManifest, textResult, toolFor, type EnvOf, type ServerManifest } from "../../../worker/kit/index.ts";
import type { ServerDefinition } from "../../../worker/kit/types.ts";

const manifest = defineManifest({
  bindings: {
    NOTES_DB: { kind: "d1", migrationsDir: "examples/notes/migrations" },
    NOTES_CACHE: { kind: "kv" },
    GREETING: { kind: "var" },
    BACKEND_TOKEN: { kind: "secret" },
  },
  durableObjects: { COUNTER: { className: "Counter" } },
  migrations: [{ tag: "notes-v1", newSqliteClasses: ["Counter"] }],
});

const notesTool = toolFor(manifest);
const countNotes = notesTool({
  name: "count_notes",
  description: "Count notes.",
  inputSchema: { type: "object", properties: { prefix: { type: "string" } } },
  scope: "notes:read",
  handler: async ({ prefix }, { env }) => {
    expectTypeOf(env.NOTES_DB).toEqualTypeOf<D1Database>();
    expectTypeOf(env.NOTES_CACHE).toEqualTypeOf<KVNamespace>();
    expectTypeOf(env.GREETING).toEqualTypeOf<string>();
    expectTypeOf(env.COUNTER).toEqualTypeOf<DurableObjectNamespace>();
    // The kit's own bindings stay visible.
    expectTypeOf(env.MCP_OBJECT).not.toBeAny();
    // @ts-expect-error NOTES_BUCKET is not declared by the manifest, so a tool cannot read it.
    void env.NOTES_BUCKET;
    return textResult(prefix ?? "");
  },
});

function failure(manifestUnderTest: ServerManifest): ServerDefinitionError {
  const definition: ServerDefinition = { name: "t", version: "1", manifest: manifestUnderTest };
  try {
    compileServer(definition);
  } catch (error) {
    if (error instanceof ServerDefinitionError) return error;
    throw error;
  }
  throw new Error("the manifest was accepted");
}

describe("server manifests", () => {
  it("types env from the manifest: declared bindings with their runtime types, nothing else", () => {
    type NotesEnv = EnvOf<typeof manifest>;
    expectTypeOf<NotesEnv["NOTES_CACHE"]>().toEqualTypeOf<KVNamespace>();
    expectTypeOf<NotesEnv>().not.toHaveProperty("NOTES_BUCKET");
  });

  it("exposes the manifest on compiled and describes the server on its Worker object", () => {
    const server = defineMcpServer({ name: "notes", version: "1.2.0", manifest, tools: [countNotes] });
    expect(server.compiled.manifest).toBe(manifest);
    expect(serverDescriptionOf(server.worker)).toEqual({ name: "notes", version: "1.2.0", manifest, scopes: ["notes:read"] });
    // Inline handlers get the manifest's env too.
    defineMcpServer({
      name: "notes",
      version: "1",
      manifest,
      resources: [
        {
          uri: "notes://about",
          name: "about",
          read: async (uri, { env }) => {
            expectTypeOf(env.NOTES_CACHE).toEqualTypeOf<KVNamespace>();
            // @ts-expect-error undeclared
            void env.OTHER;
            return [{ uri, text: "" }];
          },
        },
      ],
    });
  });

  it("defaults to an empty manifest", () => {
    expect(compileServer({ name: "t", version: "1" }).manifest).toEqual({});
  });

  it("refuses binding names that are not upper-case identifiers", () => {
    expect(failure({ bindings: { notesDb: { kind: "d1" } } }).message).toContain('binding "notesDb": binding names must be upper-case identifiers');
  });

  it("refuses every name the kit binds itself", () => {
    for (const name of ["MCP_OBJECT", "MCP_RATE_LIMITER", ...Object.keys(WORKER_VARS)]) {
      expect(failure({ bindings: { [name]: { kind: "var" } } }).message).toContain(`binding "${name}": collides with a binding the kit sets`);
    }
    expect(failure({ durableObjects: { MCP_OBJECT: { className: "X" } }, migrations: [{ tag: "s1", newSqliteClasses: ["X"] }] }).message).toContain("collides");
  });

  it("refuses an unknown kind", () => {
    expect(failure({ bindings: { X: { kind: "vectorize" } } } as unknown as ServerManifest).message).toContain('binding "X": kind must be one of kv, d1');
  });

  it("refuses a name used by a binding and a Durable Object, and a class bound twice", () => {
    expect(failure({ bindings: { A: { kind: "kv" } }, durableObjects: { A: { className: "C" } }, migrations: [{ tag: "s1", newSqliteClasses: ["C"] }] }).message).toContain('"A": is declared twice');
    expect(
      failure({ durableObjects: { A: { className: "C" }, B: { className: "C" } }, migrations: [{ tag: "s1", newSqliteClasses: ["C"] }] }).message,
    ).toContain("class C is bound twice");
  });

  it("refuses the kit's own Durable Object class", () => {
    expect(failure({ durableObjects: { A: { className: "AuthgentMCPAgent" } } }).message).toContain("class AuthgentMCPAgent is the kit's own");
  });

  it("refuses a ledger whose tags repeat or reuse the kit's", () => {
    const c = { durableObjects: { A: { className: "C" } } };
    expect(failure({ ...c, migrations: [{ tag: "s1", newSqliteClasses: ["C"] }, { tag: "s1" }] }).message).toContain('migration "s1": repeats a tag');
    expect(failure({ ...c, migrations: [{ tag: "v1", newSqliteClasses: ["C"] }] }).message).toContain('migration "v1": reuses a tag of the kit');
    expect(failure({ ...c, migrations: [{ tag: "a+b", newSqliteClasses: ["C"] }] }).message).toContain("no +");
  });

  it("refuses a ledger that creates a class no binding declares, or a declared class no step creates", () => {
    expect(failure({ migrations: [{ tag: "s1", newSqliteClasses: ["Stray"] }] }).message).toContain("leave class Stray alive but no durableObjects entry binds it");
    expect(failure({ durableObjects: { A: { className: "C" } } }).message).toContain("bind class C, which no step of migrations creates");
    expect(failure({ durableObjects: { A: { className: "C" } }, migrations: [{ tag: "s1", renamedClasses: [{ from: "B", to: "C" }] }] }).message).toContain("renames B, which does not exist");
  });

  it("accepts a renamed class under its new name", () => {
    expect(() =>
      compileServer({
        name: "t",
        version: "1",
        manifest: { durableObjects: { A: { className: "New" } }, migrations: [{ tag: "s1", newSqliteClasses: ["Old"] }, { tag: "s2", renamedClasses: [{ from: "Old", to: "New" }] }] },
      }),
    ).not.toThrow();
  });
});
