/**
 * The backend-caller example (examples/backend-caller/) in workerd with its
 * `BACKEND` service binding pointing at another Worker in the same workerd,
 * as `npm start` wires it: the demo backend (which checks the token), or a
 * backend that fails on demand. Driven by the official SDK client (1.32.2).
 * The secret must never reach a tool result or the worker's logs.
 */
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker, REPO_ROOT } from "../../infra/worker-bundle.ts";
import { planLocalBindings } from "../../scripts/lib/local-bindings.ts";
import { startLocalWorker, type LocalWorker } from "../../scripts/lib/local-worker.ts";
import { checkServerModule } from "../../scripts/lib/server-module.ts";
import { manifest } from "../../examples/backend-caller/manifest.ts";
import { connectClient, freePort, startLocalIssuer, textOf, type LocalIssuer } from "./support/harness.ts";

const OUT = resolve(REPO_ROOT, "dist/test-servers/example-backend-caller");
const TOKEN = "demo-backend-token-7f3a9c1e5b";
const OTHER_TOKEN = "a-different-token-0d4e8b2a61";
const SCOPE = "backend:read backend:write";

interface Instance {
  readonly worker: LocalWorker;
  readonly origin: string;
  /** Everything workerd printed (the worker's console). */
  logs(): string;
}

let issuer: LocalIssuer;
let callerBundle: string;
let demoBundle: string;
let failingBundle: string;
const instances: Instance[] = [];

function collect(sink: string[]) {
  return (stdout: Readable, stderr: Readable): void => {
    stdout.on("data", (chunk: Buffer) => sink.push(chunk.toString("utf8")));
    stderr.on("data", (chunk: Buffer) => sink.push(chunk.toString("utf8")));
  };
}

async function startCaller(options: { backend: "demo" | "failing"; callerToken: string; backendToken?: string; timeoutMs: string }): Promise<Instance> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const sink: string[] = [];
  const backendName = options.backend === "demo" ? "demo-backend" : "failing-backend";
  const worker = await startLocalWorker({
    port,
    bundlePath: callerBundle,
    vars: { AUTHGENT_ISSUER: issuer.issuer, MCP_AUDIENCE: origin },
    bindings: planLocalBindings({
      server: "backend-mcp",
      manifest,
      vars: { BACKEND_TIMEOUT_MS: options.timeoutMs },
      secrets: { BACKEND_TOKEN: options.callerToken },
      services: { BACKEND: backendName },
    }),
    services: [
      {
        name: backendName,
        bundlePath: options.backend === "demo" ? demoBundle : failingBundle,
        text: options.backendToken === undefined ? {} : { BACKEND_TOKEN: options.backendToken },
      },
    ],
    handleRuntimeStdio: collect(sink),
  });
  const instance = { worker, origin, logs: () => sink.join("") };
  instances.push(instance);
  return instance;
}

let good: Instance;
let wrongToken: Instance;
let failing: Instance;

beforeAll(async () => {
  const entry = resolve(REPO_ROOT, "examples/backend-caller/server.ts");
  await checkServerModule(entry);
  callerBundle = (await bundleWorker({ entry, outfile: resolve(OUT, "caller/index.js") })).path;
  demoBundle = (await bundleWorker({ entry: resolve(REPO_ROOT, "examples/backend-caller/demo-backend.ts"), outfile: resolve(OUT, "demo-backend/index.js") })).path;
  failingBundle = (await bundleWorker({ entry: resolve(REPO_ROOT, "test/e2e/support/failing-backend.ts"), outfile: resolve(OUT, "failing-backend/index.js") })).path;
  issuer = await startLocalIssuer();
  good = await startCaller({ backend: "demo", callerToken: TOKEN, backendToken: TOKEN, timeoutMs: "5000" });
  wrongToken = await startCaller({ backend: "demo", callerToken: OTHER_TOKEN, backendToken: TOKEN, timeoutMs: "5000" });
  // Long enough for a loaded machine to pass the fast failures through, far below the slow backend's 10 s.
  failing = await startCaller({ backend: "failing", callerToken: TOKEN, timeoutMs: "1000" });
}, 90_000);

afterAll(async () => {
  for (const instance of instances) await instance.worker.dispose();
  await issuer?.close();
});

async function connect(instance: Instance, sub = "caller-user", scope = SCOPE): Promise<Client> {
  const token = await issuer.mint(instance.origin, { claims: { sub, scope } });
  return (await connectClient(new URL(`${instance.origin}/mcp`), token)).client;
}

async function call(instance: Instance, name: string, args: Record<string, unknown>) {
  const client = await connect(instance);
  try {
    return await client.callTool({ name, arguments: args });
  } finally {
    await client.close();
  }
}

function expectNoSecret(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(OTHER_TOKEN);
  }
}

describe("through the service binding to the demo backend", () => {
  it("looks a person up with the token and returns structured content", async () => {
    const result = await call(good, "lookup_person", { id: "ada" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ person: { id: "ada", name: "Ada Lovelace", team: "Analytical Engines", email: "ada@example.com" } });
  });

  it("opens a ticket (a POST with a JSON body)", async () => {
    const result = await call(good, "open_ticket", { title: "Printer on fire", description: "Third floor." });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ ticket: { id: expect.stringMatching(/^T-\d+$/), title: "Printer on fire" } });
  });

  it("says the backend has no such record for an unknown id", async () => {
    const result = await call(good, "lookup_person", { id: "nobody" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('Could not look up "nobody": the backend has no such record.');
  });

  it("validates the id before calling the backend", async () => {
    const result = await call(good, "lookup_person", { id: "../admin" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("id");
  });

  it("the demo backend itself refuses a request without the right token (RFC 6750 invalid_token)", async () => {
    const backend = await good.worker.mf.getWorker("demo-backend");
    const none = await backend.fetch("https://backend.internal/v1/people/ada");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    const wrong = await backend.fetch("https://backend.internal/v1/people/ada", { headers: { authorization: `Bearer ${OTHER_TOKEN}` } });
    expect(wrong.status).toBe(401);
    const right = await backend.fetch("https://backend.internal/v1/people/ada", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
  });
});

describe("backend failures become clear tool errors that never carry the secret", () => {
  it("a token the backend refuses: says so and who can fix it", async () => {
    const result = await call(wrongToken, "lookup_person", { id: "ada" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(`Could not look up "ada": the backend refused this server's credentials (HTTP 401). Ask the server's operator to check BACKEND_TOKEN.`);
    expectNoSecret(JSON.stringify(result), wrongToken.logs());
  });

  it.each([
    ["boom", 'Could not look up "boom": the backend is unavailable (HTTP 500). Try again later.', "unavailable (HTTP 500)"],
    ["forbidden", `Could not look up "forbidden": the backend refused this server's credentials (HTTP 403). Ask the server's operator to check BACKEND_TOKEN.`, "unauthorized (HTTP 403)"],
    ["garbage", `Could not look up "garbage": the backend's answer was not understood (HTTP 200).`, "bad_response (HTTP 200)"],
    ["huge", `Could not look up "huge": the backend's answer was not understood (HTTP 200).`, "bad_response (HTTP 200)"],
    ["teapot", `Could not look up "teapot": the backend's answer was not understood (HTTP 418).`, "bad_response (HTTP 418)"],
  ])("%s: a tool error, the reason logged, the echoed Authorization header nowhere", async (id, message, logged) => {
    const result = await call(failing, "lookup_person", { id });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(message);
    await expect.poll(() => failing.logs()).toContain(`backend GET /v1/people/${id} failed: ${logged}`);
    expectNoSecret(JSON.stringify(result), failing.logs());
  });

  it("a backend slower than BACKEND_TIMEOUT_MS: gives up at the deadline", async () => {
    const started = Date.now();
    const result = await call(failing, "lookup_person", { id: "slow" });
    const elapsed = Date.now() - started;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('Could not look up "slow": the backend did not answer in time. Try again later.');
    // 1 s deadline; the backend would answer after 10 s.
    expect(elapsed).toBeLessThan(5000);
    await expect.poll(() => failing.logs()).toContain("backend GET /v1/people/slow failed: timeout");
  });
});

describe("misconfiguration", () => {
  it("an empty BACKEND_TOKEN or a malformed BACKEND_TIMEOUT_MS is reported as not configured, naming both settings", async () => {
    const empty = await startCaller({ backend: "demo", callerToken: "", backendToken: TOKEN, timeoutMs: "5000" });
    const malformed = await startCaller({ backend: "demo", callerToken: TOKEN, backendToken: TOKEN, timeoutMs: "soon" });
    for (const instance of [empty, malformed]) {
      const result = await call(instance, "lookup_person", { id: "ada" });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('Could not look up "ada": this server is not configured to call its backend (BACKEND_TOKEN or BACKEND_TIMEOUT_MS). Ask its operator.');
      expectNoSecret(JSON.stringify(result), instance.logs());
    }
  });
});
