/**
 * Cross-isolate sharing through the Workers Cache API (`caches.default`).
 * A fresh isolate is simulated by clearing this isolate's key state.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AuthDeps } from "../../../worker/auth/authenticate.ts";
import { resetJwksIsolateState } from "../../../worker/jwks/key-store.ts";
import { sharedCacheKey } from "../../../worker/jwks/shared-cache.ts";
import { configFor, createTenant, mint, setMode, stats } from "../auth/issuer-admin.ts";
import { outcomeCode, TestClock } from "./support.ts";

const TTL = 300;

function sharedDeps(clock: TestClock, jwks: AuthDeps["jwks"] = {}): AuthDeps {
  return { cache: caches.default, now: clock.now, jwks: { fetchTimeoutMs: 300, ...jwks } };
}

afterEach(() => resetJwksIsolateState());

describe("JWKS shared across isolates through the Cache API", () => {
  it("serves a fresh isolate from caches.default with zero fetches", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, sharedDeps(clock))).toBe("ok");
    expect(await stats(issuer)).toEqual({ jwksFetches: 1, metadataFetches: 1 });

    resetJwksIsolateState();
    clock.advance(10);
    expect(await outcomeCode(config, token, sharedDeps(clock))).toBe("ok");
    expect(await stats(issuer)).toEqual({ jwksFetches: 1, metadataFetches: 1 });
  });

  it("fetches again in a fresh isolate when the shared cache is disabled (control)", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, sharedDeps(clock))).toBe("ok");
    resetJwksIsolateState();
    expect(await outcomeCode(config, token, { cache: null, now: clock.now })).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(2);
  });

  it("lets a fresh isolate verify from a stale shared copy while Authgent is down", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, sharedDeps(clock))).toBe("ok");
    await setMode(issuer, { mode: "down" });
    resetJwksIsolateState();
    clock.advance(TTL + 60);
    expect(await outcomeCode(config, token, sharedDeps(clock))).toBe("ok");
  });

  it("ignores a shared copy older than maxStaleSeconds and fails closed", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer, { ttlSeconds: 7200 });
    const tuning = { maxStaleSeconds: 900 };
    expect(await outcomeCode(config, token, sharedDeps(clock, tuning))).toBe("ok");
    await setMode(issuer, { mode: "down" });
    resetJwksIsolateState();
    clock.advance(901);
    expect(await outcomeCode(config, token, sharedDeps(clock, tuning))).toBe("ERR_JWKS_UNAVAILABLE");
  });

  it("ignores a corrupt shared entry and fetches instead", async () => {
    const { issuer } = await createTenant();
    const clock = new TestClock();
    await caches.default.put(
      sharedCacheKey(issuer),
      new Response("<html>not a jwks</html>", {
        headers: { "cache-control": "max-age=600", "x-authgent-jwks-fetched-at": String(clock.now()) },
      }),
    );
    expect(await outcomeCode(configFor(issuer), await mint(issuer), sharedDeps(clock))).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(1);
  });

  it("keys entries per issuer under a synthetic, non-routable origin", () => {
    const a = sharedCacheKey("https://auth.example/t/a");
    const b = sharedCacheKey("https://auth.example/t/b");
    expect(a).not.toBe(b);
    expect(new URL(a).hostname.endsWith(".invalid")).toBe(true);
  });
});
