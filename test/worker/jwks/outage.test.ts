import { describe, expect, it } from "vitest";
import type { AuthDeps } from "../../../worker/auth/authenticate.ts";
import { JwksUnavailableError } from "../../../worker/auth/errors.ts";
import { errorResponse } from "../../../worker/http/error-response.ts";
import { DEFAULT_JWKS_COOLDOWN_SECONDS } from "../../../worker/jwks/options.ts";
import { configFor, createTenant, mint, setMode, stats, type JwksMode } from "../auth/issuer-admin.ts";
import { attempt, outcomeCode, TestClock } from "./support.ts";

const COOLDOWN = DEFAULT_JWKS_COOLDOWN_SECONDS;
const TTL = 300;

/** Short fetch timeout so hanging modes end quickly; the Cache API is off. */
function deps(clock: TestClock, jwks: AuthDeps["jwks"] = {}): AuthDeps {
  return { cache: null, now: clock.now, jwks: { fetchTimeoutMs: 300, ...jwks } };
}

describe("Authgent down with a warm cache", () => {
  it("keeps verifying with cached keys within the TTL, without fetching", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, deps(clock))).toBe("ok");
    await setMode(issuer, { mode: "down" });
    clock.advance(TTL - 1);
    expect(await outcomeCode(config, token, deps(clock))).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(1);
  });

  it("keeps verifying with stale keys past the TTL, retrying at most once per cooldown", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, deps(clock))).toBe("ok");
    await setMode(issuer, { mode: "error500" });

    clock.advance(TTL + 1);
    expect(await outcomeCode(config, token, deps(clock))).toBe("ok"); // refresh attempted, failed
    expect((await stats(issuer)).jwksFetches).toBe(2);
    for (let i = 0; i < 5; i++) {
      clock.advance(5);
      expect(await outcomeCode(config, token, deps(clock))).toBe("ok");
    }
    expect((await stats(issuer)).jwksFetches).toBe(2);

    clock.advance(COOLDOWN);
    expect(await outcomeCode(config, token, deps(clock))).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(3);
  });

  it("stops trusting stale keys after maxStaleSeconds and fails closed with 503", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer, { ttlSeconds: 7200 });
    const tuning = { maxStaleSeconds: 900 };
    expect(await outcomeCode(config, token, deps(clock, tuning))).toBe("ok");
    await setMode(issuer, { mode: "down" });
    clock.advance(899);
    expect(await outcomeCode(config, token, deps(clock, tuning))).toBe("ok");
    clock.advance(2);
    expect(await outcomeCode(config, token, deps(clock, tuning))).toBe("ERR_JWKS_UNAVAILABLE");
  });

  it("answers an unknown kid with 401, not 503, while the issuer is down", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer);
    const clock = new TestClock();
    expect(await outcomeCode(config, await mint(issuer), deps(clock))).toBe("ok");
    await setMode(issuer, { mode: "down" });
    clock.advance(COOLDOWN);
    const forged = await mint(issuer, { header: { kid: "rotated-while-down" } });
    expect(await outcomeCode(config, forged, deps(clock))).toBe("ERR_TOKEN_KEY_UNKNOWN");
  });
});

describe("no usable key at all: fail closed with 503", () => {
  it.each<JwksMode>(["error500", "html", "oversized", "oversized-chunked", "hang", "hang-after-headers", "down"])(
    "answers 503 with Retry-After when the JWKS endpoint is %s",
    async (mode) => {
      const { issuer } = await createTenant();
      await setMode(issuer, { mode });
      const config = configFor(issuer);
      const result = await attempt(config, await mint(issuer), deps(new TestClock()));
      expect(result).toBeInstanceOf(JwksUnavailableError);
      const response = errorResponse(result, config);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      const body = (await response.json()) as { error: string; error_description: string };
      expect(body.error).toBe("temporarily_unavailable");
      expect(body.error_description).not.toContain("Maintenance"); // upstream bodies never leak
    },
  );

  it("fails fast within the cooldown instead of hammering a failing issuer, then recovers", async () => {
    const { issuer } = await createTenant();
    await setMode(issuer, { mode: "error500" });
    const config = configFor(issuer);
    const clock = new TestClock();
    const token = await mint(issuer);
    expect(await outcomeCode(config, token, deps(clock))).toBe("ERR_JWKS_UNAVAILABLE");
    expect((await stats(issuer)).jwksFetches).toBe(1);

    clock.advance(10);
    const early = await attempt(config, token, deps(clock));
    expect(early).toBeInstanceOf(JwksUnavailableError);
    expect((early as JwksUnavailableError).retryAfterSeconds).toBe(COOLDOWN - 10);
    expect((await stats(issuer)).jwksFetches).toBe(1);

    await setMode(issuer, { mode: "ok" });
    clock.advance(COOLDOWN - 10);
    expect(await outcomeCode(config, token, deps(clock))).toBe("ok");
    expect((await stats(issuer)).jwksFetches).toBe(2);
  });
});
