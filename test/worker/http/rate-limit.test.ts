import { describe, expect, it } from "vitest";
import { RateLimitedError } from "../../../worker/auth/errors.ts";
import { edgeRateLimit, secondsToPeriodEnd } from "../../../worker/http/rate-limit.ts";

const MINUTE_START = 1_800_000_000_000; // a multiple of 60 000 ms

/** The binding's interface, answering as a binding whose budget is spent. */
const spent: RateLimit = { limit: async () => ({ success: false }) };

describe("edge rate limiter Retry-After", () => {
  it("is the time left in the binding's period-aligned window, rounded up", () => {
    expect(secondsToPeriodEnd(MINUTE_START + 45_300, 60)).toBe(15);
    expect(secondsToPeriodEnd(MINUTE_START + 59_999, 60)).toBe(1);
    expect(secondsToPeriodEnd(MINUTE_START, 60)).toBe(60);
    expect(secondsToPeriodEnd(MINUTE_START + 3_500, 10)).toBe(7);
  });

  it("is what the thrown RateLimitedError carries", async () => {
    const error = await edgeRateLimit(spent, "user", MINUTE_START + 50_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(10);
  });
});
