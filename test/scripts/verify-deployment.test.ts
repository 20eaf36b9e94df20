/**
 * `npm run verify` against the bundled worker running in workerd (Miniflare)
 * and the shared local issuer: a correct deployment passes every row, and each
 * deliberate misconfiguration fails the row that names it.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ADMIN_SECRET_HEADER } from "../../scripts/lib/local-issuer.ts";
import { startLocalWorker, type LocalWorker, type WorkerVars } from "../../scripts/lib/local-worker.ts";
import { exitCodeOf, type CheckResult } from "../../scripts/lib/verify-report.ts";
import { verifyTargets } from "../../scripts/lib/verify-run.ts";
import { parseTarget } from "../../scripts/lib/verify-target.ts";

const issuerOrigin = inject("issuerOrigin");
const devIssuer = inject("devIssuer");

async function admin<T>(action: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${issuerOrigin}/__admin/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json", [ADMIN_SECRET_HEADER]: inject("issuerAdminSecret") },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${action}: ${res.status}`);
  return (await res.json()) as T;
}
const newTenant = async (): Promise<string> => (await admin<{ issuer: string }>("tenant", {})).issuer;
const mint = async (issuer: string, audience: string): Promise<string> => (await admin<{ token: string }>("mint", { issuer, audience })).token;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A worker whose MCP_AUDIENCE is its own origin unless the vars say otherwise. */
async function deploy(vars: (origin: string) => WorkerVars): Promise<LocalWorker> {
  const port = await freePort();
  return startLocalWorker({ port, vars: vars(`http://127.0.0.1:${port}`) });
}

const row = (results: CheckResult[], id: string): CheckResult => {
  const found = results.find((r) => r.id === id);
  if (!found) throw new Error(`no row ${id} in ${results.map((r) => r.id).join(", ")}`);
  return found;
};
const failedIds = (results: CheckResult[]): string[] => results.filter((r) => r.status === "fail").map((r) => r.id);

const workers: LocalWorker[] = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => w.dispose()));
});

describe("a correctly configured deployment", () => {
  let good: LocalWorker;
  beforeAll(async () => {
    good = await deploy((origin) => ({ AUTHGENT_ISSUER: devIssuer, MCP_AUDIENCE: origin }));
    workers.push(good);
  });

  it("passes every check, including the MCP handshake with a token", async () => {
    const token = await mint(devIssuer, good.url);
    const results = await verifyTargets([parseTarget(`${good.url}/mcp`)], { fetch, token });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ["prm", "pass"],
      ["prm-path", "pass"],
      ["as-metadata", "pass"],
      ["jwks", "pass"],
      ["dpop-metadata", "pass"],
      ["challenge", "pass"],
      ["invalid-token", "pass"],
      ["dpop-challenge", "pass"],
      ["dpop-proof-required", "pass"],
      ["mcp-initialize", "pass"],
      ["mcp-tools-list", "pass"],
    ]);
    expect(exitCodeOf(results)).toBe(0);
    expect(row(results, "as-metadata").detail).toContain("/.well-known/oauth-authorization-server/t/dev");
    expect(row(results, "mcp-tools-list").detail).toMatch(/\d+ tool\(s\): /);
  });

  it("accepts the bare origin as the MCP URL and checks the /mcp endpoint", async () => {
    const results = await verifyTargets([parseTarget(good.url)], { fetch });
    expect(failedIds(results)).toEqual([]);
    expect(row(results, "challenge").detail).toContain("resource_metadata=");
  });

  it("skips (does not fail) the MCP handshake without a token", async () => {
    const results = await verifyTargets([parseTarget(good.url)], { fetch });
    expect(row(results, "mcp-initialize")).toMatchObject({ status: "skip", detail: "no --token (or MCP_VERIFY_TOKEN) given" });
    expect(exitCodeOf(results)).toBe(0);
  });

  it("fails the handshake for a token minted for another resource, without printing the token", async () => {
    const token = await mint(devIssuer, "https://some-other-server.example.com");
    const results = await verifyTargets([parseTarget(good.url)], { fetch, token });
    expect(row(results, "mcp-initialize").status).toBe("fail");
    expect(row(results, "mcp-tools-list").status).toBe("skip");
    expect(JSON.stringify(results)).not.toContain(token);
  });

  it("fails the resource check when the stack expects a different audience", async () => {
    const results = await verifyTargets([parseTarget(good.url, { expectedResource: "https://mcp.yourcompany.com" })], { fetch });
    expect(row(results, "prm")).toMatchObject({ status: "fail" });
    expect(row(results, "prm").detail).toContain('expected "https://mcp.yourcompany.com"');
  });

  it("checks scopes_supported against the scopes the stack read from the deployed code", async () => {
    const ok = await verifyTargets([parseTarget(good.url, { expectedScopes: ["mcp:write", "mcp:read"] })], { fetch });
    expect(row(ok, "prm").status).toBe("pass");
    const results = await verifyTargets([parseTarget(good.url, { expectedScopes: ["notes:read"] })], { fetch });
    expect(row(results, "prm").detail).toContain("scopes_supported is [mcp:read, mcp:write], but the stack deployed code requiring [notes:read]");
  });

  it("fails when the published issuer is not the stack's issuer", async () => {
    const results = await verifyTargets([parseTarget(good.url, { expectedIssuer: "https://auth.yourcompany.com" })], { fetch });
    expect(row(results, "prm").detail).toContain("does not include the stack's issuer https://auth.yourcompany.com");
  });
});

describe("a misconfigured deployment", () => {
  it("fails the metadata rows when MCP_AUDIENCE does not match the URL clients use", async () => {
    const worker = await deploy(() => ({ AUTHGENT_ISSUER: devIssuer, MCP_AUDIENCE: "https://mcp.yourcompany.com" }));
    workers.push(worker);
    const results = await verifyTargets([parseTarget(worker.url)], { fetch });
    expect(failedIds(results)).toContain("prm");
    expect(row(results, "prm").detail).toContain("MCP clients reject this metadata");
    expect(exitCodeOf(results)).toBe(1);
  });

  it("fails the issuer metadata row when AUTHGENT_ISSUER has a trailing slash the issuer does not", async () => {
    const issuer = await newTenant();
    const worker = await deploy((origin) => ({ AUTHGENT_ISSUER: `${issuer}/`, MCP_AUDIENCE: origin }));
    workers.push(worker);
    const results = await verifyTargets([parseTarget(worker.url)], { fetch });
    expect(row(results, "as-metadata").status).toBe("fail");
    expect(row(results, "as-metadata").detail).toContain(`says issuer "${issuer}", expected "${issuer}/" exactly`);
    expect(row(results, "jwks").status).toBe("skip");
  });

  it("fails the issuer metadata row when the tenant serves no metadata at any discovery URL", async () => {
    const issuer = await newTenant();
    await admin("mode", { issuer, serveMetadata: false });
    const worker = await deploy((origin) => ({ AUTHGENT_ISSUER: issuer, MCP_AUDIENCE: origin }));
    workers.push(worker);
    const results = await verifyTargets([parseTarget(worker.url)], { fetch });
    const detail = row(results, "as-metadata").detail;
    expect(detail).toMatch(/^no metadata found: /);
    // Every URL an MCP client would try, in the client's order.
    const path = new URL(issuer).pathname;
    expect(detail.indexOf(`/.well-known/oauth-authorization-server${path}`)).toBeLessThan(detail.indexOf(`/.well-known/openid-configuration${path}`));
    expect(detail).toContain(`${path}/.well-known/openid-configuration`);
  });

  it.each([
    ["error500", "HTTP 500"],
    ["html", 'expected JSON, got content-type "text/html"'],
  ] as const)("fails the JWKS row when the issuer's JWKS answers %s", async (mode, reason) => {
    const issuer = await newTenant();
    await admin("mode", { issuer, mode });
    const worker = await deploy((origin) => ({ AUTHGENT_ISSUER: issuer, MCP_AUDIENCE: origin }));
    workers.push(worker);
    const results = await verifyTargets([parseTarget(worker.url)], { fetch, timeoutMs: 5_000 });
    expect(row(results, "as-metadata").status).toBe("pass");
    expect(row(results, "jwks")).toMatchObject({ status: "fail" });
    expect(row(results, "jwks").detail).toContain(reason);
  });

  it("reports a hanging JWKS endpoint as unanswered instead of waiting forever", async () => {
    const issuer = await newTenant();
    await admin("mode", { issuer, mode: "hang" });
    const worker = await deploy((origin) => ({ AUTHGENT_ISSUER: issuer, MCP_AUDIENCE: origin }));
    workers.push(worker);
    const results = await verifyTargets([parseTarget(worker.url)], { fetch, timeoutMs: 500 });
    expect(row(results, "jwks").detail).toContain("no response within 500 ms");
  });

  it("fails every network row, naming the URL, when nothing listens there", async () => {
    const results = await verifyTargets([parseTarget(`http://127.0.0.1:${await freePort()}/mcp`)], { fetch, timeoutMs: 2_000 });
    expect(failedIds(results)).toEqual(["prm", "prm-path", "dpop-metadata", "challenge", "invalid-token"]);
    expect(row(results, "prm").detail).toMatch(/ECONNREFUSED/);
  });
});
