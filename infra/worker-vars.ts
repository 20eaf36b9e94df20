/**
 * Stack config setting ↔ worker var, declared once. The `satisfies` clause
 * makes a var added to `WORKER_VARS` a type error here until it has a config
 * key, so a new var cannot silently deploy with no way to set it.
 */
import { WORKER_VARS, type WorkerVarName, type WorkerVarSpec } from "../worker/bindings.ts";
import type { RawServer } from "./config-schema.ts";

/** Which config key sets each worker var (used to name the key in errors). */
export const VAR_CONFIG_KEYS = {
  AUTHGENT_ISSUER: "issuer",
  MCP_AUDIENCE: "audience",
  JWKS_CACHE_TTL: "jwksCacheTtl",
  RATE_LIMIT_PER_MINUTE: "rateLimitPerMinute",
  ALLOWED_ORIGINS: "allowedOrigins",
  JWT_ALGORITHMS: "algorithms",
  CLOCK_TOLERANCE: "clockTolerance",
  MAX_TOKEN_LIFETIME: "maxTokenLifetime",
  RESOURCE_NAME: "resourceName",
  SHARED_SUBJECTS: "sharedSubjects",
  REQUIRE_DPOP: "requireDpop",
  DPOP_ALGORITHMS: "dpopAlgorithms",
  DPOP_PROOF_MAX_AGE: "dpopProofMaxAge",
  DPOP_NONCE: "dpopNonce",
} as const satisfies Record<WorkerVarName, keyof RawServer>;

/** A server's var settings after defaults, in config units (types straight from the config schema). */
export type ResolvedVarSettings = { readonly [K in (typeof VAR_CONFIG_KEYS)[WorkerVarName]]-?: NonNullable<RawServer[K]> };

/** Every worker var as the text the worker reads, in `WORKER_VARS` order (stable diffs). */
export function workerVarValues(settings: ResolvedVarSettings): Record<WorkerVarName, string> {
  const text = (name: WorkerVarName): string => {
    const value = settings[VAR_CONFIG_KEYS[name]];
    // The worker reads an empty var as unset (its default); an empty list of shared subjects means none.
    if (name === "SHARED_SUBJECTS" && Array.isArray(value) && value.length === 0) return "none";
    return Array.isArray(value) ? value.join(",") : String(value);
  };
  const out = {} as Record<WorkerVarName, string>;
  for (const name of Object.keys(WORKER_VARS) as WorkerVarName[]) out[name] = text(name);
  return out;
}

/** The worker's own default for an optional var, as a number. */
export function numericDefault(name: WorkerVarName): number {
  const spec = WORKER_VARS[name];
  if (!("default" in spec)) throw new Error(`worker var ${name} has no default`);
  return Number(spec.default);
}

/** The worker's own default for an optional true/false var. */
export function booleanDefault(name: WorkerVarName): boolean {
  const spec: WorkerVarSpec = WORKER_VARS[name];
  if (spec.default !== "true" && spec.default !== "false") throw new Error(`worker var ${name} has no true/false default`);
  return spec.default === "true";
}

/** The worker's own default for an optional list var. */
export function listDefault(name: WorkerVarName): string[] {
  const spec = WORKER_VARS[name];
  if (!("default" in spec)) throw new Error(`worker var ${name} has no default`);
  return spec.default
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
