/** planLocalBindings: a manifest's bindings as Miniflare options for npm start, and what it refuses. */
import { describe, expect, it } from "vitest";
import { defineManifest } from "../../worker/kit/manifest.ts";
import { FIXTURE_BINDINGS } from "../worker/fixtures/manifest-bindings.ts";
import { HYPERDRIVE_LOCAL_ENV_PREFIX, LocalBindingError, planLocalBindings } from "../../scripts/lib/local-bindings.ts";

const every = defineManifest({
  bindings: FIXTURE_BINDINGS,
  durableObjects: { COUNTER: { className: "Counter" }, LEGACY: { className: "Old" } },
  migrations: [
    { tag: "s1", newSqliteClasses: ["Counter"] },
    { tag: "s2", newClasses: ["Older"] },
    { tag: "s3", renamedClasses: [{ from: "Older", to: "Old" }] },
  ],
});

const complete = {
  server: "my-mcp",
  manifest: every,
  vars: { GREETING: "eu" },
  secrets: { BACKEND_TOKEN: "dev-value" },
  services: { BACKEND: "local-backend" },
  env: { [`${HYPERDRIVE_LOCAL_ENV_PREFIX}PG`]: "postgres://u:p@127.0.0.1:5432/db" },
};

describe("planLocalBindings", () => {
  it("gives every declared binding its local stand-in, keyed by the stack's default resource name", () => {
    const plan = planLocalBindings(complete);
    expect(plan.kvNamespaces).toEqual({ NOTES_CACHE: "my-mcp-notes-cache" });
    expect(plan.d1Databases).toEqual({ NOTES_DB: "my-mcp-notes-db" });
    expect(plan.d1Migrations).toEqual([{ binding: "NOTES_DB", dir: "test/worker/fixtures/migrations" }]);
    expect(plan.r2Buckets).toEqual({ FILES: "my-mcp-files" });
    expect(plan.queueProducers).toEqual({ JOBS: { queueName: "my-mcp-jobs" } });
    expect(plan.serviceBindings).toEqual({ BACKEND: "local-backend" });
    expect(plan.hyperdrives).toEqual({ PG: "postgres://u:p@127.0.0.1:5432/db" });
    expect(plan.ai).toEqual({ binding: "AI" });
    expect(plan.analyticsEngineDatasets).toEqual({ USAGE: { dataset: "my-mcp-usage" } });
    expect(plan.text).toEqual({ GREETING: "eu", BACKEND_TOKEN: "dev-value" });
    expect(plan.notes).toEqual([
      "JOBS: messages are accepted locally but no consumer runs",
      'AI: Workers AI runs only on Cloudflare; calls fail locally ("Binding AI needs to be run remotely")',
    ]);
  });

  it("uses the stack's resource names when given (they key local persistence)", () => {
    const plan = planLocalBindings({ ...complete, resourceNames: { NOTES_DB: "shared-notes", NOTES_CACHE: "0123456789abcdef0123456789abcdef" } });
    expect(plan.d1Databases).toEqual({ NOTES_DB: "shared-notes" });
    expect(plan.kvNamespaces).toEqual({ NOTES_CACHE: "0123456789abcdef0123456789abcdef" });
  });

  it("keeps a class created with newClasses (and renamed) on key-value storage, as Cloudflare does", () => {
    expect(planLocalBindings(complete).durableObjects).toEqual({
      COUNTER: { className: "Counter", useSQLite: true },
      LEGACY: { className: "Old", useSQLite: false },
    });
  });

  it.each([
    ["service_unwired", { services: {} }, "server my-mcp: service binding BACKEND has no local Worker to reach; pass --service BACKEND=<worker module>"],
    ["hyperdrive_unset", { env: {} }, `server my-mcp: Hyperdrive binding PG needs a local Postgres: set ${HYPERDRIVE_LOCAL_ENV_PREFIX}PG=postgres://user:password@127.0.0.1:5432/db`],
    ["var_missing", { vars: {} }, "server my-mcp: var GREETING has no value: the stack's server entry sets it (bindings.GREETING: { value: … }); run it with npm start -- --stack <name> --server <name>"],
    ["secret_missing", { secrets: {} }, "server my-mcp: secret BACKEND_TOKEN has no local value; add BACKEND_TOKEN=<value> to the server's local secrets file"],
  ] as const)("refuses %s, naming the binding and the fix", (problem, change, message) => {
    let error: unknown;
    try {
      planLocalBindings({ ...complete, ...change });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LocalBindingError);
    expect(error).toMatchObject({ problem, message });
  });

  it("a manifest without bindings needs nothing", () => {
    expect(planLocalBindings({ server: "plain", manifest: {} })).toMatchObject({ text: {}, d1Migrations: [], durableObjects: {}, notes: [] });
  });
});

describe("a run without a stack (npm start -- --source)", () => {
  it("binds an unsupplied var empty and says so, instead of refusing", () => {
    const plan = planLocalBindings({ ...complete, vars: {}, missingVar: "empty" });
    expect(plan.text.GREETING).toBe("");
    expect(plan.notes).toContain("GREETING: var bound empty (no stack supplies it; run with --stack <name> --server <name> for the stack's value)");
  });
});
