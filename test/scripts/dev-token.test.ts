import { afterEach, describe, expect, it } from "vitest";
import { DEV_TOKEN_MAX_TTL_SECONDS, devTokenPlan } from "../../scripts/lib/dev-token.ts";
import { startLocalIssuer } from "../../scripts/lib/local-issuer.ts";
import { startLocalWorker, type WorkerVars } from "../../scripts/lib/local-worker.ts";
import { freePort, postMcp } from "../e2e/support/harness.ts";

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe("devTokenPlan", () => {
  it("mints ES256 for a working day under the worker's defaults", () => {
    expect(devTokenPlan({})).toEqual({ alg: "ES256", ttlSeconds: DEV_TOKEN_MAX_TTL_SECONDS });
  });

  it("stays within a stack's MAX_TOKEN_LIFETIME and JWT_ALGORITHMS", () => {
    expect(devTokenPlan({ MAX_TOKEN_LIFETIME: "3600", JWT_ALGORITHMS: "RS256" })).toEqual({ alg: "RS256", ttlSeconds: 3600 });
    expect(devTokenPlan({ JWT_ALGORITHMS: "EdDSA, ES256" }).alg).toBe("ES256");
  });

  it("gives a token the worker accepts when a stack narrows algorithms and lifetime, where an 8 h token is refused", async () => {
    const vars: WorkerVars = { MAX_TOKEN_LIFETIME: "3600", JWT_ALGORITHMS: "RS256" };
    const plan = devTokenPlan(vars);
    const issuer = await startLocalIssuer({ alg: plan.alg });
    cleanup.push(() => issuer.close());
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const worker = await startLocalWorker({ port, vars: { ...vars, AUTHGENT_ISSUER: issuer.issuer, MCP_AUDIENCE: origin } });
    cleanup.push(() => worker.dispose());
    const mcpUrl = new URL(`${origin}/mcp`);
    const hello = { name: "hello", arguments: { name: "dev" } };

    const token = await issuer.mint(origin, { ttlSeconds: plan.ttlSeconds });
    expect((await postMcp(mcpUrl, token, "tools/call", hello)).status).toBe(200);

    const tooLong = await issuer.mint(origin, { ttlSeconds: DEV_TOKEN_MAX_TTL_SECONDS });
    expect((await postMcp(mcpUrl, tooLong, "tools/call", hello)).status).toBe(401);
  });
});
