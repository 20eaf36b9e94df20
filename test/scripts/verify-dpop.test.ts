/**
 * `npm run verify`'s DPoP rows against the bundled worker in workerd: a
 * server that accepts Bearer and DPoP, and one that requires DPoP (whose
 * Bearer challenge rows are skipped, not failed).
 */
import { createServer } from "node:net";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startLocalWorker, type LocalWorker, type WorkerVars } from "../../scripts/lib/local-worker.ts";
import { parseChallenges } from "../../scripts/lib/verify-dpop.ts";
import type { CheckResult } from "../../scripts/lib/verify-report.ts";
import { verifyTargets } from "../../scripts/lib/verify-run.ts";
import { parseTarget } from "../../scripts/lib/verify-target.ts";

const workers: LocalWorker[] = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => w.dispose()));
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function verify(vars: WorkerVars): Promise<CheckResult[]> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const worker = await startLocalWorker({ port, vars: { AUTHGENT_ISSUER: inject("devIssuer"), MCP_AUDIENCE: origin, ...vars } });
  workers.push(worker);
  return await verifyTargets([parseTarget(origin)], { fetch });
}

const statusOf = (results: CheckResult[], id: string): string | undefined => results.find((r) => r.id === id)?.status;

describe("npm run verify: DPoP", () => {
  it("passes the DPoP rows of a server that accepts Bearer and DPoP", async () => {
    const results = await verify({});
    for (const id of ["dpop-metadata", "dpop-challenge", "dpop-proof-required", "challenge", "invalid-token"]) expect(statusOf(results, id)).toBe("pass");
    expect(results.find((r) => r.id === "dpop-challenge")?.detail).toBe('Bearer, then DPoP; algs="ES256"');
    // The issuer rows belong to the local issuer (verify-deployment.test.ts); these are the server's.
    expect(results.filter((r) => r.status === "fail" && !r.id.startsWith("as-metadata") && !r.id.startsWith("jwks"))).toEqual([]);
  });

  it("checks a server that requires DPoP: DPoP-only challenge, Bearer refused, Bearer rows skipped", async () => {
    const results = await verify({ REQUIRE_DPOP: "true", DPOP_ALGORITHMS: "ES256,EdDSA" });
    expect(results.find((r) => r.id === "dpop-metadata")?.detail).toBe("algs ES256 EdDSA, DPoP-bound tokens required");
    for (const id of ["dpop-challenge", "dpop-proof-required", "dpop-bearer-refused"]) expect(statusOf(results, id)).toBe("pass");
    for (const id of ["challenge", "invalid-token", "mcp-initialize"]) expect(statusOf(results, id)).toBe("skip");
    // The issuer rows belong to the local issuer (verify-deployment.test.ts); these are the server's.
    expect(results.filter((r) => r.status === "fail" && !r.id.startsWith("as-metadata") && !r.id.startsWith("jwks"))).toEqual([]);
  });
});

describe("parseChallenges", () => {
  it("splits several challenges in one header and unquotes their parameters", () => {
    const parsed = parseChallenges('Bearer error="invalid_token", resource_metadata="https://a/b", DPoP algs="ES256 EdDSA", error=x');
    expect(parsed.get("bearer")).toEqual({ error: "invalid_token", resource_metadata: "https://a/b" });
    expect(parsed.get("dpop")).toEqual({ algs: "ES256 EdDSA", error: "x" });
    expect(parseChallenges("DPoP").get("dpop")).toEqual({});
  });
});
