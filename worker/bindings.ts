/**
 * The worker's deploy contract, declared once.
 *
 * Pulumi (`infra/`), local dev (`scripts/dev.ts`), the wrangler interop
 * config and the test pools all import this module, so a binding, a Durable
 * Object class or a migration cannot exist in one place and be missing in
 * another (the seed's `wrangler.toml` lost its Durable Object in every
 * `[env.*]` block exactly that way).
 *
 * This file must stay free of runtime-specific types: it is loaded by Node
 * (Pulumi, scripts) as well as bundled into the worker.
 */

/** Workers compatibility date shared by deploys, local dev and tests. */
export const COMPATIBILITY_DATE = "2026-03-01";

/** Workers compatibility flags. The worker needs no Node.js compatibility layer. */
export const COMPATIBILITY_FLAGS: readonly string[] = [];

/** Module name of the bundled entry point inside the uploaded script. */
export const MAIN_MODULE = "index.js";

/** The Durable Object that holds one user's data, sessions and exact rate limit. */
export const MCP_AGENT = {
  /** Binding name on `env` (kept from the seed so existing deployments carry over). */
  binding: "MCP_OBJECT",
  /** Exported class name in the worker's main module. */
  className: "AuthgentMCPAgent",
} as const;

/**
 * Cloudflare rate-limiting binding guarding the stateless hot path per user.
 * The exact per-user limit lives in the Durable Object; this one is cheap and
 * approximate (per Cloudflare location), see README "Per-user state".
 */
export const RATE_LIMITER = {
  binding: "MCP_RATE_LIMITER",
  /** Period of the rate-limiting binding, seconds (Cloudflare allows 10 or 60). */
  periodSeconds: 60,
} as const;

/**
 * One step of the Durable Object migration ledger, the equivalent of one
 * wrangler `[[migrations]]` entry. Steps are applied in order; Cloudflare
 * remembers the last applied `tag` per script.
 */
export interface DurableObjectMigration {
  /** Unique, never reused. */
  readonly tag: string;
  /** Classes created with SQLite-backed storage (recommended). */
  readonly newSqliteClasses?: readonly string[];
  /** Classes created with legacy key-value storage. */
  readonly newClasses?: readonly string[];
  readonly renamedClasses?: readonly { readonly from: string; readonly to: string }[];
  readonly deletedClasses?: readonly string[];
}

/**
 * Append-only. Never edit or reorder a step that has been deployed: add a new
 * one (README "Adding a Durable Object migration").
 */
export const DURABLE_OBJECT_MIGRATIONS: readonly DurableObjectMigration[] = [
  { tag: "v1", newSqliteClasses: [MCP_AGENT.className] },
];

/** Plain-text configuration the worker reads from `env`. */
export interface WorkerVarSpec {
  readonly name: string;
  readonly required: boolean;
  /** Default as the worker applies it when the var is absent; documentation only. */
  readonly default?: string;
  readonly description: string;
}

export const WORKER_VARS = {
  AUTHGENT_ISSUER: {
    name: "AUTHGENT_ISSUER",
    required: true,
    description: "Issuer URL of the Authgent authorization server; tokens' `iss` must equal it exactly.",
  },
  MCP_AUDIENCE: {
    name: "MCP_AUDIENCE",
    required: true,
    description: "Canonical URL of this MCP server (RFC 9728 `resource`); tokens' `aud` must contain it.",
  },
  JWKS_CACHE_TTL: {
    name: "JWKS_CACHE_TTL",
    required: false,
    default: "300",
    description: "Seconds the issuer's JWKS is cached (per isolate and in the Workers Cache API).",
  },
  RATE_LIMIT_PER_MINUTE: {
    name: "RATE_LIMIT_PER_MINUTE",
    required: false,
    default: "120",
    description: "Requests per user per minute before 429.",
  },
  ALLOWED_ORIGINS: {
    name: "ALLOWED_ORIGINS",
    required: false,
    default: "",
    description:
      "Comma-separated browser origins allowed to call /mcp. Requests without Origin are always allowed; the resource's own origin is always allowed.",
  },
  JWT_ALGORITHMS: {
    name: "JWT_ALGORITHMS",
    required: false,
    default: "ES256",
    description: "Comma-separated JWS algorithms accepted (ES256, RS256, EdDSA).",
  },
  CLOCK_TOLERANCE: {
    name: "CLOCK_TOLERANCE",
    required: false,
    default: "30",
    description: "Allowed clock skew for exp/nbf/iat, seconds (0–300).",
  },
  MAX_TOKEN_LIFETIME: {
    name: "MAX_TOKEN_LIFETIME",
    required: false,
    default: "86400",
    description: "Largest accepted exp − iat, seconds.",
  },
  RESOURCE_NAME: {
    name: "RESOURCE_NAME",
    required: false,
    default: "Authgent MCP server",
    description: "Human-readable name served as RFC 9728 `resource_name`.",
  },
  SHARED_SUBJECTS: {
    name: "SHARED_SUBJECTS",
    required: false,
    // authgent-server 0.3.4 gives every browser login one of these (endpoints/authorize.py).
    default: "auto_approved_user,consent_user",
    description:
      "Comma-separated `sub` values the issuer gives to several humans. Tokens with one are keyed per client installation (iss, sub and client_id) and refused without client_id; \"none\" lists none.",
  },
  REQUIRE_DPOP: {
    name: "REQUIRE_DPOP",
    required: false,
    default: "false",
    description: "true: accept only DPoP-bound tokens with a DPoP proof (RFC 9449); plain Bearer tokens get 401.",
  },
  DPOP_ALGORITHMS: {
    name: "DPOP_ALGORITHMS",
    required: false,
    default: "ES256",
    description: "Comma-separated JWS algorithms accepted for DPoP proofs (ES256, ES384, PS256, RS256, EdDSA).",
  },
  DPOP_PROOF_MAX_AGE: {
    name: "DPOP_PROOF_MAX_AGE",
    required: false,
    default: "60",
    description: "Seconds after its iat a DPoP proof is accepted; its jti is remembered as long (1–600).",
  },
  DPOP_NONCE: {
    name: "DPOP_NONCE",
    required: false,
    default: "false",
    description: "true: DPoP proofs must carry a nonce from the server's DPoP-Nonce header (RFC 9449 §9).",
  },
} as const satisfies Record<string, WorkerVarSpec>;

export type WorkerVarName = keyof typeof WORKER_VARS;

/** Scopes the template tools use (kept from the seed). */
export const SCOPES = { read: "mcp:read", write: "mcp:write" } as const;
