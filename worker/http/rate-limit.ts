import { RATE_LIMITER } from "../bindings.ts";
import { RateLimitedError } from "../auth/errors.ts";

/**
 * The cheap per-user limit every authenticated `/mcp` request passes: the
 * Cloudflare rate-limiting binding (local to a Cloudflare location, no
 * Durable Object round trip, so stateless calls stay fast). Requests that
 * touch state are additionally counted exactly by the user's Durable Object.
 * Deployments without the binding skip this step.
 *
 * @param key the user's principalKey (never client-chosen)
 * @param now current time, ms since the epoch (injected for tests)
 */
export async function edgeRateLimit(limiter: RateLimit | undefined, key: string, now: number = Date.now()): Promise<void> {
  if (!limiter) return;
  const { success } = await limiter.limit({ key });
  if (!success) throw new RateLimitedError(secondsToPeriodEnd(now, RATE_LIMITER.periodSeconds));
}

/**
 * When the binding's count for a key starts over. The binding answers only
 * `success`; it counts in fixed windows of `period` seconds aligned to the
 * epoch (Miniflare's implementation: `Math.floor(Date.now() / (period × 1000))`,
 * src/workers/ratelimit/ratelimit.worker.ts, the one `npm start` and the tests
 * run), so a caller refused now gets through once the current window ends:
 * `Retry-After` is that time, whole seconds rounded up (RFC 9110 §10.2.3),
 * never more than the period. Cloudflare does not document its production
 * alignment; there the same value is an estimate bounded by the period.
 */
export function secondsToPeriodEnd(now: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.max(1, Math.ceil((periodMs - (now % periodMs)) / 1000));
}
