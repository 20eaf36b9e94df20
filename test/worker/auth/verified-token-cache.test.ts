import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../../worker/auth/principal.ts";
import { VerifiedTokenCache } from "../../../worker/auth/verified-token-cache.ts";
import type { Env } from "../../../worker/env.ts";
import worker from "../../../worker/index.ts";
import { resetJwksIsolateState } from "../../../worker/jwks/key-store.ts";
import { sharedCacheKey } from "../../../worker/jwks/shared-cache.ts";
import { attempt, outcomeCode, TestClock } from "../jwks/support.ts";
import { LATEST, mcpRequest, rpc } from "../mcp/support.ts";
import { configFor, createTenant, mint, rotate, setMode } from "./issuer-admin.ts";

const principal = (expiresAt: number): Principal => ({
  issuer: "https://issuer.example",
  subject: "user-1",
  clientId: undefined,
  scope: "mcp:read",
  scopes: new Set(["mcp:read"]),
  expiresAt,
  email: undefined,
  name: undefined,
});

describe("VerifiedTokenCache", () => {
  const config = configFor("https://issuer.example");
  const now = 1_800_000_000;

  it("returns the principal recorded for the identical token only", () => {
    const cache = new VerifiedTokenCache();
    cache.set(config, "token-a", principal(now + 3600), now);
    expect(cache.get(config, "token-a", now + 1)?.subject).toBe("user-1");
    expect(cache.get(config, "token-b", now + 1)).toBeUndefined();
    expect(cache.get(config, "token-a ", now + 1)).toBeUndefined();
  });

  it("never shares results between configurations (another issuer or audience)", () => {
    const cache = new VerifiedTokenCache();
    cache.set(config, "token-a", principal(now + 3600), now);
    expect(cache.get(configFor("https://issuer.example"), "token-a", now)).toBeUndefined();
  });

  it("re-applies exp with the clock tolerance on every hit", () => {
    const cache = new VerifiedTokenCache({ maxAgeSeconds: 3600 });
    const exp = now + 10;
    cache.set(config, "token-a", principal(exp), now);
    const tolerance = config.clockToleranceSeconds;
    expect(cache.get(config, "token-a", exp + tolerance - 1)).toBeDefined();
    expect(cache.get(config, "token-a", exp + tolerance)).toBeUndefined();
  });

  it("forgets a result after maxAgeSeconds, capped by JWKS_CACHE_TTL", () => {
    const cache = new VerifiedTokenCache({ maxAgeSeconds: 60 });
    cache.set(config, "token-a", principal(now + 3600), now);
    expect(cache.get(config, "token-a", now + 59)).toBeDefined();
    expect(cache.get(config, "token-a", now + 60)).toBeUndefined();

    const shortTtl = configFor("https://issuer.example", { JWKS_CACHE_TTL: "5" });
    cache.set(shortTtl, "token-a", principal(now + 3600), now);
    expect(cache.get(shortTtl, "token-a", now + 4)).toBeDefined();
    expect(cache.get(shortTtl, "token-a", now + 5)).toBeUndefined();
  });

  it("evicts the oldest entries beyond maxEntries", () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2 });
    for (const token of ["t1", "t2", "t3"]) cache.set(config, token, principal(now + 3600), now);
    expect(cache.get(config, "t1", now)).toBeUndefined();
    expect(cache.get(config, "t2", now)).toBeDefined();
    expect(cache.get(config, "t3", now)).toBeDefined();
  });
});

describe("authenticate with a verified-token cache", () => {
  it("skips key lookup for a token it verified, but still verifies any other token", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const verifiedTokens = new VerifiedTokenCache();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, { now: clock.now, cache: null, verifiedTokens })).toBe("ok");

    // Take every key source away: a cache hit needs none, anything else fails closed.
    resetJwksIsolateState();
    await setMode(issuer, { mode: "down" });
    const deps = { now: clock.now, cache: null, verifiedTokens };
    expect(await outcomeCode(config, token, deps)).toBe("ok");
    expect(await outcomeCode(config, await mint(issuer), deps)).toBe("ERR_JWKS_UNAVAILABLE");
  });

  it("reports an expired token as expired even after caching it", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const verifiedTokens = new VerifiedTokenCache({ maxAgeSeconds: 86_400 });
    const token = await mint(issuer, { ttlSeconds: 120 });
    expect(await outcomeCode(config, token, { now: clock.now, cache: null, verifiedTokens })).toBe("ok");
    clock.advance(120 + config.clockToleranceSeconds);
    expect(await outcomeCode(config, token, { now: clock.now, cache: null, verifiedTokens })).toBe("ERR_TOKEN_EXPIRED");
  });

  it("re-verifies after the max age, so a key removed from the JWKS stops working", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer, { JWKS_CACHE_TTL: "60" });
    const clock = new TestClock();
    const verifiedTokens = new VerifiedTokenCache();
    const token = await mint(issuer);
    const deps = { now: clock.now, cache: null, verifiedTokens };
    expect(await outcomeCode(config, token, deps)).toBe("ok");

    await rotate(issuer);
    clock.advance(30);
    expect(await outcomeCode(config, token, deps)).toBe("ok");
    // Past both the result's max age and the JWKS TTL: the old kid is gone.
    clock.advance(31 + 30);
    const result = await attempt(config, token, deps);
    expect(result).toMatchObject({ code: "ERR_TOKEN_KEY_UNKNOWN" });
  });
});

describe("the worker's fetch handler", () => {
  it("reuses the verification of a token it already accepted, and verifies any other token in full", async () => {
    const { issuer } = await createTenant();
    // One env object for every request, as workerd passes it: the parsed
    // configuration, and with it the verified-token cache, is keyed on it.
    const tenantEnv = { ...env, AUTHGENT_ISSUER: issuer } as Env;
    const ping = async (token: string): Promise<number> => {
      const ctx = createExecutionContext();
      const request = mcpRequest(rpc("ping"), { token, headers: { "mcp-protocol-version": LATEST } });
      const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, tenantEnv, ctx);
      await waitOnExecutionContext(ctx);
      await response.body?.cancel();
      return response.status;
    };
    const token = await mint(issuer);
    expect(await ping(token)).toBe(200);

    // Take every key source away: this isolate's keys, the Cache API copy and Authgent.
    resetJwksIsolateState();
    await caches.default.delete(sharedCacheKey(issuer));
    await setMode(issuer, { mode: "down" });
    expect(await ping(token)).toBe(200);
    expect(await ping(await mint(issuer))).toBe(503);
  });
});
