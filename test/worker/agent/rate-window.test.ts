import { describe, expect, it } from "vitest";
import { RATE_WINDOW_MS } from "../../../worker/agent/limits.ts";
import { decide, windowStart } from "../../../worker/agent/rate-window.ts";

const T0 = 1_800_000_000_000; // a minute boundary (multiple of 60 000 ms)

/** Feeds request times through the decision as the Durable Object does (admitted ones are logged). */
function run(times: readonly number[], limit: number): boolean[] {
  let log: number[] = [];
  return times.map((now) => {
    log = log.filter((at) => at > windowStart(now));
    const decision = decide(log, now, limit);
    if (decision.allowed) log.push(now);
    return decision.allowed;
  });
}

/** Most admitted requests inside any window-long span, wherever it starts. */
function busiestWindow(admittedTimes: readonly number[]): number {
  return Math.max(0, ...admittedTimes.map((start) => admittedTimes.filter((t) => t >= start && t < start + RATE_WINDOW_MS).length));
}

describe("sliding-window rate decision", () => {
  it("admits exactly `limit` requests in a window", () => {
    expect(run([T0, T0 + 1, T0 + 2, T0 + 3], 3)).toEqual([true, true, true, false]);
  });

  it("lets no more than `limit` through across a minute boundary (a fixed window let 2 × limit)", () => {
    // 120 requests in the last second before the boundary, 120 in the first second after it.
    const times = [...Array(240).keys()].map((i) => (i < 120 ? T0 + 59_000 + i : T0 + 60_000 + (i - 120)));
    const allowed = run(times, 120);
    const admitted = times.filter((_, i) => allowed[i]);
    expect(admitted).toHaveLength(120);
    expect(busiestWindow(admitted)).toBe(120);
  });

  it("never admits more than `limit` in any window under steady overload", () => {
    const times = [...Array(600).keys()].map((i) => T0 + i * 400); // 2.5 requests/s for 4 minutes, limit 60/min
    const admitted = times.filter((_, i) => run(times, 60)[i]);
    expect(busiestWindow(admitted)).toBe(60);
  });

  it("says when a slot frees: the oldest admitted request leaving the window, rounded up to whole seconds", () => {
    const log = [T0 + 10_000, T0 + 20_000, T0 + 30_000];
    expect(decide(log, T0 + 30_500, 3)).toEqual({ allowed: false, retryAfterSeconds: 40 });
    expect(decide(log, T0 + 69_001, 3)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(decide(log, T0 + 70_000, 3)).toEqual({ allowed: true });
  });

  it("is honest: a client that waits Retry-After is admitted, and not a second earlier", () => {
    const log = [T0 + 1_234, T0 + 5_000];
    const now = T0 + 7_777;
    const refused = decide(log, now, 2);
    if (refused.allowed) throw new Error("expected a refusal");
    expect(decide(log, now + refused.retryAfterSeconds * 1000, 2)).toEqual({ allowed: true });
    expect(decide(log, now + (refused.retryAfterSeconds - 1) * 1000, 2).allowed).toBe(false);
  });

  it("counts from the right entry when the limit was lowered below what the log holds", () => {
    const log = [T0, T0 + 10_000, T0 + 20_000, T0 + 30_000];
    // Limit now 2: three of the four must leave before one more fits, so the third-oldest decides.
    expect(decide(log, T0 + 30_000, 2)).toEqual({ allowed: false, retryAfterSeconds: 50 });
  });

  it("does not count rejected requests", () => {
    expect(run([T0, T0 + 1, T0 + 2, T0 + RATE_WINDOW_MS], 1)).toEqual([true, false, false, true]);
  });
});
