import { describe, expect, it } from "vitest";
import type { AuthDeps } from "../../../worker/auth/authenticate.ts";
import { DEFAULT_JWKS_COOLDOWN_SECONDS } from "../../../worker/jwks/options.ts";
import { addKey, configFor, createTenant, mint, rotate, setMode, stats } from "../auth/issuer-admin.ts";
import { outcomeCode, TestClock } from "./support.ts";

const COOLDOWN = DEFAULT_JWKS_COOLDOWN_SECONDS;
/** JWKS_CACHE_TTL default, seconds. */
const TTL = 300;

/** The Cache API is off here so fetch counters show this isolate's behaviour alone. */
function isolateDeps(clock: TestClock): AuthDeps {
  return { cache: null, now: clock.now };
}

describe("steady state", () => {
  it("fetches the JWKS once, then verifies every request from memory", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, isolateDeps(clock))).toBe("ok");
    for (let i = 0; i < 50; i++) {
      clock.advance(5); // 250 s in all: still inside the TTL
      expect(await outcomeCode(config, token, isolateDeps(clock))).toBe("ok");
    }
    expect(await stats(issuer)).toEqual({ jwksFetches: 1, metadataFetches: 1 });
  });

  it("lets a cold burst of N concurrent requests cost at most N fetches, then none", async () => {
    const { issuer } = await createTenant();
    await setMode(issuer, { latencyMs: 100 }); // keep the burst's fetches overlapping
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer);
    const N = 8;
    const burst = await Promise.all(Array.from({ length: N }, () => outcomeCode(config, token, isolateDeps(clock))));
    expect(burst).toEqual(new Array(N).fill("ok"));
    const afterBurst = await stats(issuer);
    expect(afterBurst.jwksFetches).toBeGreaterThanOrEqual(1);
    expect(afterBurst.jwksFetches).toBeLessThanOrEqual(N);

    clock.advance(60);
    const second = await Promise.all(Array.from({ length: 3 * N }, () => outcomeCode(config, token, isolateDeps(clock))));
    expect(second).toEqual(new Array(3 * N).fill("ok"));
    expect(await stats(issuer)).toEqual(afterBurst);
  });

  it("uses JWKS_CACHE_TTL: no refetch before it, one refetch after it", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer, { JWKS_CACHE_TTL: "60" });
    const clock = new TestClock();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, isolateDeps(clock))).toBe("ok");
    clock.advance(59);
    expect(await outcomeCode(config, token, isolateDeps(clock))).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(1);
    clock.advance(2);
    expect(await outcomeCode(config, token, isolateDeps(clock))).toBe("ok");
    expect(await outcomeCode(config, token, isolateDeps(clock))).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(2);
  });
});

describe("key rotation without a restart", () => {
  it("picks up a new kid through the unknown-kid refetch, and drops the removed one", async () => {
    const { issuer, kid: oldKid } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const oldToken = await mint(issuer);
    expect(await outcomeCode(config, oldToken, isolateDeps(clock))).toBe("ok");

    const newKid = await rotate(issuer);
    expect(newKid).not.toBe(oldKid);
    const newToken = await mint(issuer);
    clock.advance(COOLDOWN + 1);
    expect(await outcomeCode(config, newToken, isolateDeps(clock))).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(2);
    // The refetched JWKS no longer has the old key; tokens naming it now fail.
    expect(await outcomeCode(config, oldToken, isolateDeps(clock))).toBe("ERR_TOKEN_KEY_UNKNOWN");
    expect((await stats(issuer)).jwksFetches).toBe(2);
  });

  it("picks up a rotation at TTL expiry, answering from stale keys while refreshing in the background", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const background: Promise<unknown>[] = [];
    const deps: AuthDeps = { cache: null, now: clock.now, waitUntil: (p) => background.push(p) };
    const oldToken = await mint(issuer);
    expect(await outcomeCode(config, oldToken, deps)).toBe("ok");

    await rotate(issuer);
    const newToken = await mint(issuer);
    clock.advance(TTL + 1);
    // The stale keys still verify the old token; the refresh is handed to waitUntil.
    expect(await outcomeCode(config, oldToken, deps)).toBe("ok");
    expect(background.length).toBeGreaterThan(0);
    await Promise.all(background);
    expect((await stats(issuer)).jwksFetches).toBe(2);

    clock.advance(1);
    expect(await outcomeCode(config, newToken, deps)).toBe("ok");
    expect(await outcomeCode(config, oldToken, deps)).toBe("ERR_TOKEN_KEY_UNKNOWN");
    expect((await stats(issuer)).jwksFetches).toBe(2);
  });

  it("verifies tokens of both keys while the issuer publishes both", async () => {
    const { issuer, kid: first } = await createTenant();
    const second = await addKey(issuer);
    const config = configFor(issuer);
    const clock = new TestClock();
    expect(await outcomeCode(config, await mint(issuer, { kid: first }), isolateDeps(clock))).toBe("ok");
    expect(await outcomeCode(config, await mint(issuer, { kid: second }), isolateDeps(clock))).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(1);
  });
});

describe("unknown kid refetch cooldown", () => {
  const randomKidToken = (issuer: string) => mint(issuer, { header: { kid: `random-${crypto.randomUUID()}` } });

  it("does not refetch for unknown kids within the cooldown after a fetch", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    expect(await outcomeCode(config, await mint(issuer), isolateDeps(clock))).toBe("ok");
    for (let i = 0; i < 10; i++) {
      clock.advance(1);
      expect(await outcomeCode(config, await randomKidToken(issuer), isolateDeps(clock))).toBe("ERR_TOKEN_KEY_UNKNOWN");
    }
    expect((await stats(issuer)).jwksFetches).toBe(1);
  });

  it("refetches at most once per cooldown window, even for concurrent random kids", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    expect(await outcomeCode(config, await mint(issuer), isolateDeps(clock))).toBe("ok");
    const forged = await Promise.all(Array.from({ length: 10 }, () => randomKidToken(issuer)));

    clock.advance(COOLDOWN);
    const window1 = await Promise.all(forged.map((t) => outcomeCode(config, t, isolateDeps(clock))));
    expect(new Set(window1)).toEqual(new Set(["ERR_TOKEN_KEY_UNKNOWN"]));
    expect((await stats(issuer)).jwksFetches).toBe(2);

    clock.advance(COOLDOWN - 1);
    for (const t of forged) expect(await outcomeCode(config, t, isolateDeps(clock))).toBe("ERR_TOKEN_KEY_UNKNOWN");
    expect((await stats(issuer)).jwksFetches).toBe(2);

    clock.advance(1);
    for (const t of forged) expect(await outcomeCode(config, t, isolateDeps(clock))).toBe("ERR_TOKEN_KEY_UNKNOWN");
    expect((await stats(issuer)).jwksFetches).toBe(3);
  });

  it("keeps verifying known kids during the cooldown", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const good = await mint(issuer);
    expect(await outcomeCode(config, good, isolateDeps(clock))).toBe("ok");
    clock.advance(COOLDOWN);
    expect(await outcomeCode(config, await randomKidToken(issuer), isolateDeps(clock))).toBe("ERR_TOKEN_KEY_UNKNOWN");
    expect(await outcomeCode(config, good, isolateDeps(clock))).toBe("ok");
  });
});
