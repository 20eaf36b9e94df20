import { describe, expect, it } from "vitest";
import { RATE_WINDOW_MS } from "../../../worker/agent/limits.ts";
import { decide, type RateWindow } from "../../../worker/agent/rate-window.ts";

const T0 = 1_800_000_000_000; // a window boundary (multiple of 60 000 ms)

function run(times: readonly number[], limit: number): boolean[] {
  let state: RateWindow | undefined;
  return times.map((now) => {
    const decision = decide(state, now, limit);
    if (decision.allowed) state = decision.next;
    return decision.allowed;
  });
}

describe("fixed-window rate decision", () => {
  it("admits exactly `limit` requests per window", () => {
    expect(run([T0, T0 + 1, T0 + 2, T0 + 3], 3)).toEqual([true, true, true, false]);
  });

  it("starts afresh in the next window", () => {
    expect(run([T0, T0 + 1, T0 + RATE_WINDOW_MS - 1, T0 + RATE_WINDOW_MS], 2)).toEqual([true, true, false, true]);
  });

  it("tells a rejected client to retry when the window ends, rounded up to whole seconds", () => {
    const full: RateWindow = { start: T0, count: 5 };
    expect(decide(full, T0 + 500, 5)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(decide(full, T0 + 58_001, 5)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(decide(full, T0 + RATE_WINDOW_MS - 1, 5)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("does not count rejected requests", () => {
    const full: RateWindow = { start: T0, count: 1 };
    const decision = decide(full, T0 + 1, 1);
    expect(decision.allowed).toBe(false);
    expect(decide(full, T0 + RATE_WINDOW_MS, 1)).toEqual({ allowed: true, next: { start: T0 + RATE_WINDOW_MS, count: 1 } });
  });
});
