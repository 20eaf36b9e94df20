/**
 * Shape of a stack's config (the keys under `authgent-edge:` in
 * `Pulumi.<stack>.yaml`), as zod schemas. Messages are the predicate only
 * ("must be an https URL …"); `formatConfigIssues` prefixes the key path so
 * every error reads "servers[1].audience must be …".
 *
 * Only shape and single-value rules live here. Rules that relate several
 * values (uniqueness, reachability, secrets declared vs provided) and every
 * default live in `config.ts`.
 */
import { z } from "zod";
import { DPOP_ALGORITHMS, SUPPORTED_ALGORITHMS } from "../worker/config.ts";
import { rolloutSchema, rolloutStageSchema, rolloutWaveSchema, rolloutWavesSchema } from "./rollout-schema.ts";
import { retiredServersSchema } from "./server-retirement.ts";
import { serverBindingsSchema } from "./server-bindings.ts";

/** Cloudflare account and zone identifiers: 32 lowercase hex characters. */
const CLOUDFLARE_ID = /^[0-9a-f]{32}$/;
/** Worker script names: lowercase letters, digits and dashes, no leading/trailing dash, ≤ 63 chars. */
const SCRIPT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A DNS hostname (no scheme, port, path or trailing dot). */
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** Secret names become `env` properties: upper-case identifiers. */
const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Binding types that `keepBindings` may preserve across uploads (values the
 * Cloudflare API accepts for `keep_bindings`). Secrets managed outside Pulumi
 * need `secret_text`.
 */
export const KEEPABLE_BINDING_TYPES = ["secret_text", "plain_text", "secret_key", "kv_namespace", "r2_bucket", "d1", "queue", "service"] as const;

/**
 * Pulumi passes scalar config as strings (`pulumi config set rateLimitPerMinute 120`
 * stores "120"); structured config arrives as JSON with real numbers. Accept both.
 */
function fromConfigString(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  if (/^-?\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return value;
}

const integer = (min: number, max: number, unit: string) =>
  z.preprocess(
    fromConfigString,
    z
      .number({ error: `must be a whole number of ${unit}` })
      .int({ error: `must be a whole number of ${unit}` })
      .min(min, { error: `must be between ${min} and ${max} ${unit}` })
      .max(max, { error: `must be between ${min} and ${max} ${unit}` }),
  );

const boolean = z.preprocess(fromConfigString, z.boolean({ error: "must be true or false" }));

/** https only: issuers and audiences are compared byte for byte, so one canonical form is enforced. */
export function isCanonicalHttpsUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === "https:" &&
    !raw.endsWith("/") &&
    url.search === "" &&
    url.hash === "" &&
    url.username === "" &&
    url.password === "" &&
    // new URL() normalises; a raw value that differs (upper case host, default port) would not match tokens.
    (url.pathname === "/" ? url.origin : url.href) === raw
  );
}

const httpsUrl = z
  .string({ error: "must be an https URL without a trailing slash" })
  .refine(isCanonicalHttpsUrl, { error: "must be an https URL without a trailing slash, query or fragment (lower-case host, no default port)" });

const hostname = z
  .string({ error: "must be a hostname like mcp.example.com" })
  .regex(HOSTNAME, { error: "must be a hostname like mcp.example.com (no scheme, port, path or trailing dot)" });

const cloudflareId = (what: string) =>
  z.string({ error: `must be the ${what} (32 hex characters)` }).regex(CLOUDFLARE_ID, { error: `must be the ${what} (32 lowercase hex characters)` });

const origin = z.string({ error: "must be an origin like https://app.example.com" }).refine(
  (raw) => {
    try {
      const url = new URL(raw);
      return (url.protocol === "https:" || url.protocol === "http:") && url.origin === raw;
    } catch {
      return false;
    }
  },
  { error: "must be an origin like https://app.example.com (scheme and host only, no trailing slash)" },
);

/**
 * Settings every server may override; also accepted under `defaults:`.
 * Defaults are documented here and applied in `config.ts` (`SERVER_DEFAULTS`).
 */
export const serverSettingsShape = {
  /** Authgent issuer URL; `iss` must equal it. Required unless the stack has an `authgent:` block. */
  issuer: httpsUrl.optional(),
  /** Seconds the issuer's JWKS is cached. @default 300 */
  jwksCacheTtl: integer(1, 86_400, "seconds").optional(),
  /** Requests per user per minute; also the rate-limiting binding's limit. @default 120 */
  rateLimitPerMinute: integer(1, 1_000_000, "requests per minute").optional(),
  /** Browser origins allowed to call /mcp. @default [] */
  allowedOrigins: z.array(origin, { error: "must be a list of origins" }).optional(),
  /** Accepted JWS algorithms. @default ["ES256"] */
  algorithms: z
    .array(z.enum(SUPPORTED_ALGORITHMS, { error: `must be one of ${SUPPORTED_ALGORITHMS.join(", ")}` }), { error: "must be a list of algorithms" })
    .min(1, { error: "must list at least one algorithm" })
    .optional(),
  /** Allowed clock skew, seconds. @default 30 */
  clockTolerance: integer(0, 300, "seconds").optional(),
  /** Largest accepted token lifetime (exp − iat), seconds. @default 86400 */
  maxTokenLifetime: integer(60, 31_536_000, "seconds").optional(),
  /** RFC 9728 `resource_name`. @default "Authgent MCP server" */
  resourceName: z.string({ error: "must be text" }).min(1, { error: "must not be empty" }).max(200, { error: "must be at most 200 characters" }).optional(),
  /**
   * `sub` values the issuer gives to several humans: their tokens are keyed
   * per client installation (iss, sub and client_id) and refused without
   * client_id. [] lists none.
   * @default ["auto_approved_user", "consent_user"] (authgent-server 0.3.4 signs every browser login in as one of these)
   */
  sharedSubjects: z
    // eslint-disable-next-line no-control-regex
    .array(z.string().regex(/^[^\s,\x00-\x1f\x7f]{1,255}$/, { error: "must be token subjects without spaces or commas" }), {
      error: "must be a list of subjects",
    })
    .optional(),
  /** Accept only DPoP-bound tokens with a DPoP proof (RFC 9449); plain Bearer tokens get 401. @default false */
  requireDpop: boolean.optional(),
  /**
   * JWS algorithms accepted for DPoP proofs (asymmetric only). Must include
   * ES256: authgent-server 0.3.4 binds tokens only to ES256 proof keys
   * (services/dpop_service.py), so a list without it serves no Authgent client.
   * @default ["ES256"]
   */
  dpopAlgorithms: z
    .array(z.enum(DPOP_ALGORITHMS, { error: `must be one of ${DPOP_ALGORITHMS.join(", ")} (asymmetric only)` }), { error: "must be a list of algorithms" })
    .min(1, { error: "must list at least one algorithm" })
    .refine((list) => list.includes("ES256"), { error: "must include ES256: Authgent binds DPoP tokens only to ES256 proof keys" })
    .optional(),
  /** Seconds after its iat a DPoP proof is accepted; its jti is remembered as long. @default 60 */
  dpopProofMaxAge: integer(1, 600, "seconds").optional(),
  /** Require a server nonce (DPoP-Nonce, RFC 9449 §9) in DPoP proofs. @default false */
  dpopNonce: boolean.optional(),
  /**
   * @deprecated The scopes come from the server's code (every scope its tools,
   * resources and prompts require). Kept so existing stacks still parse: a
   * value that differs from the code's is a config error naming both lists.
   */
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, { error: "must be scope tokens without spaces or quotes (RFC 6749 §3.3)" }), {
      error: "must be a list of scopes",
    })
    .min(1, { error: "must list at least one scope" })
    .optional(),
  /** Workers compatibility date, YYYY-MM-DD. @default COMPATIBILITY_DATE from worker/bindings.ts */
  compatibilityDate: z.string({ error: "must be a date like 2026-03-01" }).regex(DATE, { error: "must be a date like 2026-03-01" }).optional(),
  /** Workers compatibility flags. @default COMPATIBILITY_FLAGS from worker/bindings.ts */
  compatibilityFlags: z.array(z.string().regex(/^[a-z0-9_]+$/, { error: "must be flag names like nodejs_compat" })).optional(),
  /** Serve the script on `<name>.<account>.workers.dev` too. @default false */
  workersDev: boolean.optional(),
  /** Binding types kept from the previous upload (e.g. secrets set with `wrangler secret put`). @default [] */
  keepBindings: z.array(z.enum(KEEPABLE_BINDING_TYPES, { error: `must be binding types among ${KEEPABLE_BINDING_TYPES.join(", ")}` })).optional(),
  /** Fraction of requests traced by Workers observability, 0–1. @default 1 */
  observabilitySampleRate: z
    .preprocess(fromConfigString, z.number({ error: "must be a number from 0 to 1" }).min(0, { error: "must be from 0 to 1" }).max(1, { error: "must be from 0 to 1" }))
    .optional(),
  /** Zone of `customDomain` and `routes`, by id. */
  zoneId: cloudflareId("zone id").optional(),
  /** Zone of `customDomain`, by name (an alternative to `zoneId` for custom domains only). */
  zoneName: hostname.optional(),
} as const;

export const routeSchema = z.strictObject({
  /** Route pattern, e.g. `example.com/mcp*` (no scheme). */
  pattern: z
    .string({ error: "must be a route pattern like example.com/mcp*" })
    .regex(/^(?:\*\.)?[a-z0-9.-]+\.[a-z]{2,63}(?:\/.*)?$/, { error: "must be a route pattern like example.com/mcp* (host and optional path, no scheme)" }),
  /** Zone of the route. @default the server's `zoneId` */
  zoneId: cloudflareId("zone id").optional(),
});

export const serverSchema = z.strictObject({
  /** Worker script name, also the prefix of every resource of this server. */
  name: z
    .string({ error: "is required (the worker script name)" })
    .regex(SCRIPT_NAME, { error: "must be a worker script name: lowercase letters, digits and dashes, at most 63 characters" }),
  /** Canonical URL of this MCP server (RFC 9728 `resource`); tokens' `aud` must contain it. */
  audience: httpsUrl,
  /** Hostname served by a Workers custom domain (DNS record and certificate managed by Cloudflare). */
  customDomain: hostname.optional(),
  /** Zone routes to this script (the zone's DNS must already proxy the host). @default [] */
  routes: z.array(z.union([routeSchema.shape.pattern, routeSchema])).optional(),
  /**
   * How the stack supplies each binding the server's manifest declares
   * (`NOTES_DB: { create: {} }`, `{ id: … }`, `{ service: … }`, `{ value: … }`;
   * docs/deploying.md "Bindings"). Checked against the code at preview time. @default {}
   */
  bindings: serverBindingsSchema.optional(),
  /** Names of secrets (values under `secrets.<name>.<SECRET>`, set with `pulumi config set --secret`). @default [] */
  secrets: z.array(z.string().regex(SECRET_NAME, { error: "must be an upper-case name like MY_API_KEY" })).optional(),
  /** Worker entry point, relative to the repository root. @default "worker/index.ts" */
  source: z.string({ error: "must be a path like worker/index.ts" }).regex(/^[\w./-]+\.ts$/, { error: "must be a relative .ts path like worker/index.ts" }).optional(),
  /** Rate-limiting namespace id: a positive integer, unique in the account. @default derived from the script name */
  rateLimitNamespaceId: z
    .preprocess((v) => (typeof v === "number" ? String(v) : v), z.string().regex(/^[1-9]\d{0,9}$/, { error: "must be a positive integer (at most 10 digits)" }))
    .optional(),
  /**
   * Names this server had before, oldest first. Its resources are aliased to
   * them and its Worker script keeps the oldest name, so a rename neither
   * replaces the script nor deletes its Durable Object data. @default []
   */
  previousNames: z
    .array(z.string().regex(SCRIPT_NAME, { error: "must be a worker script name: lowercase letters, digits and dashes, at most 63 characters" }), {
      error: "must be a list of the server's earlier names",
    })
    .optional(),
  /** Deploy new versions gradually (Cloudflare gradual deployments). @default none: every deploy takes 100% at once */
  rollout: rolloutSchema.optional(),
  ...serverSettingsShape,
});

export const defaultsSchema = z.strictObject(serverSettingsShape);

/** `secrets.<server>.<NAME>: <value>`. Values never appear in messages. */
export const secretsSchema = z.record(
  z.string(),
  z.record(z.string(), z.string({ error: "must be a text value set with `pulumi config set --secret`" }), {
    error: "must map secret names to values",
  }),
  { error: "must map server names to their secrets" },
);

/**
 * The root. `authgent` is validated by issue 4's schema (`infra/authgent/`)
 * and handed to `config.ts` through `AuthgentConfigPlugin`; here it is only
 * required to be an object.
 */
export const stackConfigSchema = z.strictObject({
  /** Cloudflare account id (dashboard → Workers & Pages → Account details). */
  accountId: cloudflareId("Cloudflare account id"),
  defaults: defaultsSchema.optional(),
  servers: z.array(serverSchema, { error: "must be a list of servers" }).min(1, { error: "must list at least one server" }),
  secrets: secretsSchema.optional(),
  authgent: z.record(z.string(), z.unknown(), { error: "must be a mapping of Authgent settings" }).optional(),
  /** What `pulumi up` does with servers that have `rollout:` (set per run: `pulumi up -c authgent-edge:rolloutStage=promote`). @default "canary" */
  rolloutStage: rolloutStageSchema.optional(),
  /** The `rollout:` servers of each wave, by name or pattern (`team-a-*`); wave 0 ramps first. @default none: every `rollout:` server moves in every run */
  rolloutWaves: rolloutWavesSchema.optional(),
  /** The wave this run moves (set per run: `pulumi up -c authgent-edge:rolloutWave=1`); only with waves. @default 0 */
  rolloutWave: rolloutWaveSchema.optional(),
  /** Servers whose Worker script (and Durable Object data) may be deleted: `[{ name, deleteData: true }]`. @default [] — every script that binds a Durable Object is protected */
  retiredServers: retiredServersSchema.optional(),
});

export type RawStackConfig = z.infer<typeof stackConfigSchema>;
export type RawServer = z.infer<typeof serverSchema>;
export type RawServerSettings = z.infer<typeof defaultsSchema>;
export type KeepableBindingType = (typeof KEEPABLE_BINDING_TYPES)[number];
