import type { ResourceValidationPolicy } from "@pulumi/policy";
import { WORKER_VARS } from "../../../worker/bindings.ts";
import { plainTextVar, RESOURCE_TYPES } from "../resources.ts";

/** Below this the issuer sees a JWKS fetch per isolate every minute, seconds. */
export const JWKS_TTL_MIN_SECONDS = 60;
/** Above this a rotated-out (compromised) key keeps verifying for over an hour, seconds. */
export const JWKS_TTL_MAX_SECONDS = 3600;

/** Seed checklist "JWKS caching configured" (the seed's range: 300 s to 1 h). */
export const jwksCacheTtlPolicy: ResourceValidationPolicy = {
  name: "jwks-cache-ttl-range",
  description: `JWKS_CACHE_TTL is between ${JWKS_TTL_MIN_SECONDS} and ${JWKS_TTL_MAX_SECONDS} seconds.`,
  severity: "medium",
  remediationSteps: `Set jwksCacheTtl (per server or under defaults) to a value from ${JWKS_TTL_MIN_SECONDS} to ${JWKS_TTL_MAX_SECONDS}; the default ${WORKER_VARS.JWKS_CACHE_TTL.default} suits most rotation schedules.`,
  validateResource: (args, reportViolation) => {
    if (args.type !== RESOURCE_TYPES.workersScript) return;
    const name = WORKER_VARS.JWKS_CACHE_TTL.name;
    // Absent: the worker applies its default, which is inside the range.
    const text = plainTextVar(args.props, name) ?? WORKER_VARS.JWKS_CACHE_TTL.default;
    const ttl = Number(text);
    if (!Number.isInteger(ttl) || ttl < JWKS_TTL_MIN_SECONDS || ttl > JWKS_TTL_MAX_SECONDS) {
      reportViolation(
        `${name} is "${text}" seconds; use ${JWKS_TTL_MIN_SECONDS}–${JWKS_TTL_MAX_SECONDS}. Shorter hammers Authgent from every isolate; ` +
          `longer keeps a revoked signing key trusted after rotation. Set jwksCacheTtl in the stack config.`,
      );
    }
  },
};
