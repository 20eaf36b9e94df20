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
 */
export async function edgeRateLimit(limiter: RateLimit | undefined, key: string): Promise<void> {
  if (!limiter) return;
  const { success } = await limiter.limit({ key });
  // The binding does not say when its window ends; its period bounds the wait.
  if (!success) throw new RateLimitedError(RATE_LIMITER.periodSeconds);
}
