/**
 * `npm run wrangler-config`: the generated wrangler.jsonc declares exactly
 * what the Pulumi program declares for the same server (compared with the
 * offline plan's resource inputs), wrangler's own config reader accepts it
 * without a warning, and the worker runs with wrangler's reading of it.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadStackFileConfig } from "../../infra/config-source.ts";
import { offlineBindings } from "../../infra/local-run.ts";
import { describeServerSource } from "../../infra/server-description.ts";
import { WORKER_BUNDLE } from "../../infra/worker-bundle.ts";
import type { PlanResource } from "../../scripts/lib/offline-plan.ts";
import { renderStack } from "../../scripts/lib/offline-plan.ts";
import { committedStackOptions } from "../infra/authgent/stack-files.ts";
import { createdResourcesOf, renderWranglerJsonc, secretNamesOf, selectServer, wranglerConfigFor, type WranglerConfig } from "../../scripts/lib/wrangler-config.ts";

const OUT_DIR = resolve(`dist/wrangler-config-test-${process.pid}`);

/** A fleet exercising what the seed stacks do not: several servers, routes, workers.dev, secrets, flags. */
const FLEET_YAML = `config:
  authgent-edge:accountId: 0123456789abcdef0123456789abcdef
  authgent-edge:defaults:
    issuer: https://auth.example.com
    zoneId: 0123456789abcdef0123456789abcdef
    compatibilityFlags: [nodejs_compat]
  authgent-edge:servers:
    - name: billing-mcp
      audience: https://billing.example.com
      customDomain: billing.example.com
      secrets: [UPSTREAM_API_KEY]
      jwksCacheTtl: 600
    - name: docs-mcp
      audience: https://example.com/mcp
      routes: [example.com/mcp*, example.com/.well-known/oauth-protected-resource*]
      workersDev: true
      allowedOrigins: [https://app.example.com]
      observabilitySampleRate: 0.25
  authgent-edge:secrets:
    billing-mcp:
      UPSTREAM_API_KEY:
        secure: v1:AAAAAAAAAAAAAAAA:notdecryptedhere
`;

let fleetDir: string;
beforeAll(async () => {
  fleetDir = await mkdtemp(join(tmpdir(), "wrangler-fleet-"));
  await writeFile(join(fleetDir, "Pulumi.fleet.yaml"), FLEET_YAML);
  await mkdir(OUT_DIR, { recursive: true });
});
afterAll(async () => {
  await rm(OUT_DIR, { recursive: true, force: true });
});

interface Binding {
  type: string;
  name: string;
  text?: string;
  className?: string;
  namespaceId?: string;
  simple?: { limit: number; period: number };
}

/** What the Pulumi program declares for one script, in wrangler's vocabulary. */
function declaredByPlan(resources: readonly PlanResource[], scriptName: string) {
  const script = resources.find((r) => r.type === "cloudflare:index/workersScript:WorkersScript" && r.inputs.scriptName === scriptName);
  if (!script) throw new Error(`plan has no script ${scriptName}`);
  const inputs = script.inputs as Record<string, unknown>;
  const bindings = inputs.bindings as Binding[];
  const of = (type: string) => bindings.filter((b) => b.type === type);
  const migrations = inputs.migrations as { newTag: string; steps: Record<string, unknown>[] };
  const subdomain = resources.find((r) => r.type.endsWith("WorkersScriptSubdomain") && r.inputs.scriptName === scriptName)!.inputs;
  return {
    name: inputs.scriptName,
    compatibility_date: inputs.compatibilityDate,
    compatibility_flags: inputs.compatibilityFlags,
    vars: Object.fromEntries(of("plain_text").map((b) => [b.name, b.text])),
    durable_objects: { bindings: of("durable_object_namespace").map((b) => ({ name: b.name, class_name: b.className })) },
    ratelimits: of("ratelimit").map((b) => ({ name: b.name, namespace_id: b.namespaceId, simple: b.simple })),
    secretNames: of("secret_text").map((b) => b.name),
    migrationSteps: migrations.steps,
    lastMigrationTag: migrations.newTag,
    routes: [
      ...resources.filter((r) => r.type.endsWith("WorkersCustomDomain") && r.inputs.service === scriptName).map((r) => ({ pattern: r.inputs.hostname, custom_domain: true })),
      ...resources.filter((r) => r.type.endsWith("WorkersRoute") && r.inputs.script === scriptName).map((r) => ({ pattern: r.inputs.pattern, zone_id: r.inputs.zoneId })),
    ],
    workers_dev: subdomain.enabled,
    preview_urls: subdomain.previewsEnabled,
    observability: { enabled: (inputs.observability as { enabled: boolean }).enabled, head_sampling_rate: (inputs.observability as { headSamplingRate: number }).headSamplingRate },
  };
}

/** The wrangler config in the same shape (ledger steps without tags, as the API receives them). */
function declaredByWrangler(config: WranglerConfig, secretNames: string[]) {
  const camel = (step: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(step).filter(([k]) => k !== "tag").map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]));
  return {
    name: config.name,
    compatibility_date: config.compatibility_date,
    compatibility_flags: config.compatibility_flags,
    vars: config.vars,
    durable_objects: config.durable_objects,
    ratelimits: config.ratelimits,
    secretNames,
    migrationSteps: config.migrations.map((m) => camel({ ...m })),
    lastMigrationTag: config.migrations.at(-1)?.tag,
    routes: config.routes,
    workers_dev: config.workers_dev,
    preview_urls: config.preview_urls,
    observability: config.observability,
  };
}

describe("wrangler.jsonc equals what the Pulumi program declares", () => {
  it.each([
    ["staging", "(its only server)"],
    ["production", "(its only server)"],
    ["fleet", "billing-mcp"],
    ["fleet", "docs-mcp"],
  ] as const)("stack %s, server %s", async (stack, label) => {
    const serverName = label.startsWith("(") ? undefined : label;
    const dir = stack === "fleet" ? fleetDir : (await committedStackOptions(stack)).dir;
    const fleet = await loadStackFileConfig(stack, dir ? { dir } : {});
    const server = selectServer(fleet, serverName);
    const { plan } = await renderStack(stack, dir ? { dir } : {});
    const config = wranglerConfigFor(fleet, server);
    expect(declaredByWrangler(config, secretNamesOf(server))).toEqual(declaredByPlan(plan.resources, server.name));
    expect(config.account_id).toBe(fleet.accountId);
    expect(resolve(config.main)).toBe(resolve(server.source));
  });
});

describe("the file", () => {
  it("names the secrets but never contains a secret value", async () => {
    const fleet = await loadStackFileConfig("fleet", { dir: fleetDir });
    const server = selectServer(fleet, "billing-mcp");
    const text = renderWranglerJsonc(wranglerConfigFor(fleet, server), "fleet", secretNamesOf(server));
    expect(text).toContain("Secrets (set by Pulumi, values not shown): UPSTREAM_API_KEY.");
    expect(text).not.toContain("notdecryptedhere");
    expect(text).not.toContain("[secure");
  });

  it("asks for --server when the stack has several, listing them", async () => {
    const fleet = await loadStackFileConfig("fleet", { dir: fleetDir });
    expect(() => selectServer(fleet, undefined)).toThrow("stack fleet has 2 servers; pick one with --server <name> (billing-mcp, docs-mcp)");
    expect(() => selectServer(fleet, "nope")).toThrow('stack fleet has no server "nope"; its servers are: billing-mcp, docs-mcp');
  });
});

describe("wrangler's own reading of the file", () => {
  let warnings: string[];
  afterEach(() => vi.restoreAllMocks());

  /** Captures what wrangler's logger prints while reading, so a warning fails the test. */
  function readWithWrangler(path: string) {
    warnings = [];
    for (const method of ["warn", "error", "log", "info"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(" ")));
    }
    try {
      return unstable_readConfig({ config: path });
    } finally {
      vi.restoreAllMocks();
    }
  }

  async function writeConfig(stack: string, serverName?: string, extra: Record<string, unknown> = {}): Promise<string> {
    const dir = stack === "fleet" ? fleetDir : (await committedStackOptions(stack)).dir;
    const fleet = await loadStackFileConfig(stack, dir ? { dir } : {});
    const server = selectServer(fleet, serverName);
    const path = join(OUT_DIR, `${server.name}.jsonc`);
    const config = { ...wranglerConfigFor(fleet, server, { configDir: OUT_DIR }), ...extra } as WranglerConfig;
    await writeFile(path, renderWranglerJsonc(config, stack, secretNamesOf(server)));
    return path;
  }

  it.each([
    ["production", "(its only server)"],
    ["fleet", "docs-mcp"],
  ] as const)("accepts stack %s, server %s without a single warning", async (stack, label) => {
    const serverName = label.startsWith("(") ? undefined : label;
    const path = await writeConfig(stack, serverName);
    const config = readWithWrangler(path);
    expect(warnings).toEqual([]);
    expect(config.durable_objects.bindings).toEqual([{ name: "MCP_OBJECT", class_name: "AuthgentMCPAgent" }]);
    expect(resolve(config.main ?? "")).toBe(resolve("worker/index.ts"));
  });

  it("does report a warning for a field it does not know (the capture works)", async () => {
    const path = await writeConfig("production", undefined, { not_a_wrangler_field: true });
    readWithWrangler(path);
    expect(warnings.join("\n")).toContain("not_a_wrangler_field");
  });

  it("runs the worker under wrangler's interpretation of the file (the `wrangler dev` bindings)", async () => {
    const path = await writeConfig("production");
    const { workerOptions } = unstable_getMiniflareWorkerOptions(path);
    const mf = new Miniflare({
      ...(workerOptions as object),
      modules: [{ type: "ESModule", path: WORKER_BUNDLE, contents: await readFile(WORKER_BUNDLE, "utf8") }],
      cf: false,
    } as ConstructorParameters<typeof Miniflare>[0]);
    try {
      // Node's fetch rather than dispatchFetch: Miniflare's bundled undici cannot
      // return a 401 to a request that had a body ("expected non-null body source").
      const origin = await mf.ready;
      const prm = await fetch(new URL("/.well-known/oauth-protected-resource", origin));
      expect(await prm.json()).toMatchObject({ resource: "https://mcp.yourcompany.com", authorization_servers: ["https://auth.yourcompany.com"] });
      const challenge = await fetch(new URL("/mcp", origin), {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
      });
      expect(challenge.status).toBe(401);
      expect(challenge.headers.get("www-authenticate")).toContain('resource_metadata="https://mcp.yourcompany.com/.well-known/oauth-protected-resource"');
    } finally {
      await mf.dispose();
    }
  });
});

describe("npm run wrangler-config", () => {
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, ["--import", "tsx", "scripts/wrangler-config.ts", ...args], (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("writes the file where --out says", async () => {
    const out = join(OUT_DIR, "cli", "wrangler.jsonc");
    await mkdir(join(OUT_DIR, "cli"), { recursive: true });
    const result = await run(["--stack", "staging", "--out", out]);
    expect(result.code).toBe(0);
    const text = await readFile(out, "utf8");
    expect(text).toMatch(/^\/\/ Generated by `npm run wrangler-config -- --stack staging --server my-mcp-server-staging`/);
    expect(text).toContain('"main": "../../../worker/index.ts"');
  });

  it("keeps its default output and the .dev.vars its header suggests for secret values out of git", async () => {
    const ignored = (path: string) =>
      new Promise<boolean>((done, fail) =>
        execFile("git", ["check-ignore", "--no-index", "-q", path], (err) => {
          // git check-ignore: 0 ignored, 1 not ignored, anything else an error.
          if (!err) return done(true);
          if ((err as { code?: number }).code === 1) return done(false);
          fail(err);
        }),
      );
    expect(await ignored("wrangler.jsonc")).toBe(true);
    expect(await ignored(".dev.vars")).toBe(true);
    expect(await ignored("src/.dev.vars.staging")).toBe(true);
  });

  it("exits 2 without --stack and 1 for an unknown server", async () => {
    expect((await run([])).code).toBe(2);
    const unknown = await run(["--stack", "staging", "--server", "nope", "--out", "-"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('stack staging has no server "nope"');
  });
});

/** Servers whose code declares bindings (the examples), supplied by create, reference, service and value. */
const MANIFEST_FLEET_YAML = `config:
  authgent-edge:accountId: 0123456789abcdef0123456789abcdef
  authgent-edge:defaults:
    issuer: https://auth.example.com
    zoneId: 0123456789abcdef0123456789abcdef
  authgent-edge:servers:
    - name: notes-mcp
      source: examples/notes/server.ts
      audience: https://notes.example.com
      customDomain: notes.example.com
      bindings:
        NOTES_DB: { create: {} }
        NOTES_CACHE: { id: 0123456789abcdef0123456789abcdef }
    - name: backend-mcp
      source: examples/backend-caller/server.ts
      audience: https://backend.example.com
      customDomain: backend.example.com
      bindings:
        BACKEND: { service: crm-api }
        BACKEND_TIMEOUT_MS: { value: "2500" }
  authgent-edge:secrets:
    backend-mcp:
      BACKEND_TOKEN:
        secure: v1:AAAAAAAAAAAAAAAA:notdecryptedhere
`;

describe("servers with manifest bindings", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wrangler-manifests-"));
    await writeFile(join(dir, "Pulumi.manifests.yaml"), MANIFEST_FLEET_YAML);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function configOf(serverName: string, configDir?: string) {
    const fleet = await loadStackFileConfig("manifests", { dir });
    const server = selectServer(fleet, serverName);
    const { manifest } = (await describeServerSource(server.source)).description;
    const code = { manifest, bindings: offlineBindings(fleet, server, manifest) };
    return { fleet, server, manifest, code, config: wranglerConfigFor(fleet, server, { code, ...(configDir ? { configDir } : {}) }) };
  }

  /** The plan's manifest bindings of one script, by name and kind, with what wrangler also names. */
  function planManifestBindings(resources: readonly PlanResource[], scriptName: string) {
    const script = resources.find((r) => r.type === "cloudflare:index/workersScript:WorkersScript" && r.inputs.scriptName === scriptName);
    const bindings = (script?.inputs as { bindings: (Binding & Record<string, unknown>)[] }).bindings;
    return bindings
      .filter((b) => !["plain_text", "durable_object_namespace", "ratelimit", "secret_text"].includes(b.type))
      .map((b) => ({ type: b.type, name: b.name, ...(b.type === "service" ? { service: b.service } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  it("declares the same D1, KV and service bindings, vars and secrets as the plan, with D1's migrations_dir", async () => {
    const { plan } = await renderStack("manifests", { dir });
    const notes = await configOf("notes-mcp");
    expect(notes.config.d1_databases).toEqual([{ binding: "NOTES_DB", database_name: "notes-mcp-notes-db", migrations_dir: "./examples/notes/migrations" }]);
    expect(notes.config.kv_namespaces).toEqual([{ binding: "NOTES_CACHE", id: "0123456789abcdef0123456789abcdef" }]);
    expect(planManifestBindings(plan.resources, "notes-mcp")).toEqual([
      { type: "kv_namespace", name: "NOTES_CACHE" },
      { type: "d1", name: "NOTES_DB" },
    ]);
    const created = plan.resources.find((r) => r.type === "cloudflare:index/d1Database:D1Database");
    expect(created?.inputs.name).toBe(notes.config.d1_databases?.[0]?.database_name);

    const backend = await configOf("backend-mcp");
    expect(backend.config.services).toEqual([{ binding: "BACKEND", service: "crm-api" }]);
    expect(backend.config.vars.BACKEND_TIMEOUT_MS).toBe("2500");
    expect(planManifestBindings(plan.resources, "backend-mcp")).toEqual([{ type: "service", name: "BACKEND", service: "crm-api" }]);
    // Everything the plan declares for the script, in wrangler's vocabulary, as for servers without a manifest.
    expect(declaredByWrangler(backend.config, secretNamesOf(backend.server, backend.manifest))).toEqual(declaredByPlan(plan.resources, "backend-mcp"));
    expect(declaredByWrangler(notes.config, secretNamesOf(notes.server, notes.manifest))).toEqual(declaredByPlan(plan.resources, "notes-mcp"));
  });

  it("names the manifest's secrets and the resources the stack creates in the header, never a value", async () => {
    const backend = await configOf("backend-mcp");
    const text = renderWranglerJsonc(backend.config, "manifests", secretNamesOf(backend.server, backend.manifest), createdResourcesOf(backend.code));
    expect(text).toContain("Secrets (set by Pulumi, values not shown): BACKEND_TOKEN.");
    expect(text).not.toContain("notdecryptedhere");
    const notes = await configOf("notes-mcp");
    expect(renderWranglerJsonc(notes.config, "manifests", [], createdResourcesOf(notes.code))).toContain(
      "Created by the stack, ids assigned by Cloudflare at deploy (look them up in the dashboard to use them remotely): NOTES_DB (d1 notes-mcp-notes-db).",
    );
  });

  it("is read by wrangler 4.79 without a warning, and wrangler's Miniflare options carry the bindings", async () => {
    for (const serverName of ["notes-mcp", "backend-mcp"]) {
      const { config, server, manifest, code } = await configOf(serverName, OUT_DIR);
      const path = join(OUT_DIR, `${serverName}.jsonc`);
      await writeFile(path, renderWranglerJsonc(config, "manifests", secretNamesOf(server, manifest), createdResourcesOf(code)));
      const warnings: string[] = [];
      for (const method of ["warn", "error", "log", "info"] as const) {
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(" ")));
      }
      let read: ReturnType<typeof unstable_readConfig>;
      try {
        read = unstable_readConfig({ config: path });
      } finally {
        vi.restoreAllMocks();
      }
      expect(warnings, serverName).toEqual([]);
      if (serverName === "notes-mcp") {
        expect(read.d1_databases).toEqual([expect.objectContaining({ binding: "NOTES_DB", database_name: "notes-mcp-notes-db" })]);
        expect(resolve(OUT_DIR, read.d1_databases[0]?.migrations_dir ?? "")).toBe(resolve("examples/notes/migrations"));
        const { workerOptions } = unstable_getMiniflareWorkerOptions(path);
        expect(Object.keys((workerOptions as { d1Databases?: object }).d1Databases ?? {})).toEqual(["NOTES_DB"]);
        expect(Object.keys((workerOptions as { kvNamespaces?: object }).kvNamespaces ?? {})).toEqual(["NOTES_CACHE"]);
      } else {
        expect(read.services).toEqual([expect.objectContaining({ binding: "BACKEND", service: "crm-api" })]);
        expect(read.vars).toMatchObject({ BACKEND_TIMEOUT_MS: "2500" });
      }
    }
  });

  it("lists a server's own Durable Objects and its ledger after the kit's, the last tag being the one Pulumi records", async () => {
    const { fleet, server } = await configOf("notes-mcp");
    const manifest = {
      durableObjects: { COUNTER: { className: "Counter" } },
      migrations: [{ tag: "notes-v1", newSqliteClasses: ["Counter"] }, { tag: "notes-v2", renamedClasses: [{ from: "Counter", to: "Tally" }] }],
    };
    const config = wranglerConfigFor(fleet, server, { code: { manifest, bindings: [] } });
    expect(config.durable_objects.bindings).toEqual([
      { name: "MCP_OBJECT", class_name: "AuthgentMCPAgent" },
      { name: "COUNTER", class_name: "Counter" },
    ]);
    expect(config.migrations).toEqual([
      { tag: "v1", new_sqlite_classes: ["AuthgentMCPAgent"] },
      { tag: "v1+notes-v1", new_sqlite_classes: ["Counter"] },
      { tag: "v1+notes-v2", renamed_classes: [{ from: "Counter", to: "Tally" }] },
    ]);
  });
});
