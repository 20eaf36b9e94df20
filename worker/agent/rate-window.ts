import { RATE_WINDOW_MS } from "./limits.ts";

/** The persisted state of a fixed one-minute window. */
export interface RateWindow {
  /** Start of the window, milliseconds since the epoch (a multiple of RATE_WINDOW_MS). */
  readonly start: number;
  /** Requests admitted in this window. */
  readonly count: number;
}

export type RateDecision =
  | { readonly allowed: true; readonly next: RateWindow }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Fixed-window counter: exact within a window (the Durable Object is the only
 * writer, so there is no race), at most `2 × limit` across a window boundary.
 * Rejected requests are not counted, so a client that waits `Retry-After`
 * gets through.
 */
export function decide(current: RateWindow | undefined, now: number, limit: number): RateDecision {
  const start = now - (now % RATE_WINDOW_MS);
  const count = current && current.start === start ? current.count : 0;
  if (count >= limit) {
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((start + RATE_WINDOW_MS - now) / 1000)) };
  }
  return { allowed: true, next: { start, count: count + 1 } };
}
