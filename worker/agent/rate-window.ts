import { RATE_WINDOW_MS } from "./limits.ts";

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Sliding-window log: a request at `now` is admitted when fewer than `limit`
 * requests were admitted in the `RATE_WINDOW_MS` before it, i.e. in
 * `(now − RATE_WINDOW_MS, now]`. So no span of one window ever holds more than
 * `limit` admitted requests, wherever it starts (a fixed window let `2 × limit`
 * through across its boundary). The Durable Object is the only writer, so the
 * count is exact.
 *
 * Rejected requests are not logged, so waiting out `retryAfterSeconds` always
 * works: it is the time until enough logged requests leave the window (whole
 * seconds, rounded up, RFC 9110 §10.2.3).
 *
 * @param admitted timestamps (ms) of admitted requests still inside the window, oldest first
 */
export function decide(admitted: readonly number[], now: number, limit: number): RateDecision {
  const inWindow = admitted.filter((at) => at > now - RATE_WINDOW_MS);
  if (inWindow.length < limit) return { allowed: true };
  // One more than the excess must leave before a slot is free; with a limit
  // that was lowered since they were admitted, that is more than the oldest.
  const freesSlot = inWindow[inWindow.length - limit] ?? now;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freesSlot + RATE_WINDOW_MS - now) / 1000)) };
}

/** Oldest timestamp (exclusive) still inside the window at `now`: entries at or before it can be forgotten. */
export function windowStart(now: number): number {
  return now - RATE_WINDOW_MS;
}
