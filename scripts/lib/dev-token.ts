/**
 * How `npm start` mints its development token so that the worker it runs
 * accepts it, whatever vars that worker got (a `--stack` may narrow the
 * algorithms or the token lifetime).
 */
import { WORKER_VARS } from "../../worker/bindings.ts";
import type { IssuerAlg } from "./local-issuer.ts";
import type { WorkerVars } from "./local-worker.ts";

/** Longest dev token `npm start` mints, seconds: a working day (8 h). */
export const DEV_TOKEN_MAX_TTL_SECONDS = 8 * 3600;

const ISSUER_ALGS: readonly IssuerAlg[] = ["ES256", "RS256", "EdDSA"];

export interface DevTokenPlan {
  /** Signing algorithm of the local issuer's `dev` tenant. */
  readonly alg: IssuerAlg;
  /** Token lifetime, seconds. */
  readonly ttlSeconds: number;
}

/**
 * ES256 (what Authgent signs with) unless the worker's JWT_ALGORITHMS leaves
 * it out, then the first algorithm listed; a working day, capped by the
 * worker's MAX_TOKEN_LIFETIME (a longer token is refused: `exp - iat` too large).
 */
export function devTokenPlan(vars: WorkerVars): DevTokenPlan {
  const allowed = (vars.JWT_ALGORITHMS || WORKER_VARS.JWT_ALGORITHMS.default)
    .split(",")
    .map((name) => name.trim())
    .filter((name): name is IssuerAlg => (ISSUER_ALGS as readonly string[]).includes(name));
  const alg = allowed.includes("ES256") ? "ES256" : (allowed[0] ?? "ES256");
  const maxLifetime = Number(vars.MAX_TOKEN_LIFETIME || WORKER_VARS.MAX_TOKEN_LIFETIME.default);
  const ttlSeconds = Number.isFinite(maxLifetime) && maxLifetime > 0 ? Math.min(DEV_TOKEN_MAX_TTL_SECONDS, maxLifetime) : DEV_TOKEN_MAX_TTL_SECONDS;
  return { alg, ttlSeconds };
}
