import { WORKER_VARS, type WorkerVarName } from "./bindings.ts";
import { ConfigError } from "./errors.ts";
import { isHttpsOrLoopbackHttp } from "./http/transport-security.ts";

/** JWS algorithms the worker can be configured to accept. */
export const SUPPORTED_ALGORITHMS = ["ES256", "RS256", "EdDSA"] as const;
export type SupportedAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/**
 * JWS algorithms a DPoP proof may use: asymmetric only (RFC 9449 §4.3 check
 * 5), so "none" and HS* can never be configured.
 */
export const DPOP_ALGORITHMS = ["ES256", "ES384", "PS256", "RS256", "EdDSA"] as const;
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number];

/** The worker's validated configuration. Every default is applied in `parseWorkerConfig`. */
export interface WorkerConfig {
  /** Exact issuer; `iss` must equal it byte for byte (RFC 7519 §4.1.1, RFC 8414 §3.3). */
  readonly issuer: string;
  /** Canonical resource identifier (RFC 9728 §2 `resource`, RFC 8707): no trailing slash, no fragment. */
  readonly audience: string;
  /** RFC 9728 §3.1 metadata URL of `audience`, as advertised in `WWW-Authenticate`. */
  readonly resourceMetadataUrl: string;
  /** Seconds. @default 300 */
  readonly jwksCacheTtlSeconds: number;
  /** Requests per user per minute. @default 120 */
  readonly rateLimitPerMinute: number;
  /** Browser origins allowed besides the resource's own. @default [] */
  readonly allowedOrigins: readonly string[];
  /** @default ["ES256"] */
  readonly algorithms: readonly SupportedAlgorithm[];
  /** Seconds. @default 30 */
  readonly clockToleranceSeconds: number;
  /** Largest accepted `exp - iat`, seconds. @default 86400 */
  readonly maxTokenLifetimeSeconds: number;
  /** RFC 9728 `resource_name`. @default "Authgent MCP server" */
  readonly resourceName: string;
  /**
   * `sub` values the issuer gives to several humans; tokens with one are keyed
   * per client installation (`principalKey`) and need `client_id`.
   * @default ["auto_approved_user", "consent_user"]
   */
  readonly sharedSubjects: readonly string[];
  /** Only DPoP-bound tokens with a proof (RFC 9449 §7.1); Bearer is refused. @default false */
  readonly requireDpop: boolean;
  /** Algorithms accepted for DPoP proofs, advertised as RFC 9728 `dpop_signing_alg_values_supported`. @default ["ES256"] */
  readonly dpopAlgorithms: readonly DpopAlgorithm[];
  /** Seconds after its `iat` a DPoP proof is accepted (and its `jti` remembered). @default 60 */
  readonly dpopProofMaxAgeSeconds: number;
  /** Demand a server-provided nonce in DPoP proofs (RFC 9449 §9). @default false */
  readonly dpopNonce: boolean;
}

type RawVars = { readonly [K in WorkerVarName]?: unknown };

const cache = new WeakMap<object, WorkerConfig>();

/**
 * Parses the worker's vars once per `env` object (workerd reuses it for the
 * isolate's lifetime). Throws `ConfigError` naming the first bad variable.
 */
export function workerConfig(env: RawVars): WorkerConfig {
  let config = cache.get(env);
  if (!config) {
    config = parseWorkerConfig(env);
    cache.set(env, config);
  }
  return config;
}

export function parseWorkerConfig(env: RawVars): WorkerConfig {
  const issuer = parseHttpUrl("AUTHGENT_ISSUER", required(env, "AUTHGENT_ISSUER"));
  const audienceUrl = parseHttpUrl("MCP_AUDIENCE", required(env, "MCP_AUDIENCE"));
  const audience = canonicalResource(audienceUrl);
  return {
    issuer: issuer.raw,
    audience,
    resourceMetadataUrl: resourceMetadataUrl(audience),
    jwksCacheTtlSeconds: integer(env, "JWKS_CACHE_TTL", "seconds", 1, 86_400),
    rateLimitPerMinute: integer(env, "RATE_LIMIT_PER_MINUTE", "requests per minute", 1, 1_000_000),
    allowedOrigins: list(env, "ALLOWED_ORIGINS").map((origin) => parseOrigin(origin)),
    algorithms: algorithms(env),
    clockToleranceSeconds: integer(env, "CLOCK_TOLERANCE", "seconds", 0, 300),
    maxTokenLifetimeSeconds: integer(env, "MAX_TOKEN_LIFETIME", "seconds", 60, 31_536_000),
    resourceName: optional(env, "RESOURCE_NAME"),
    sharedSubjects: sharedSubjects(env),
    requireDpop: flag(env, "REQUIRE_DPOP"),
    dpopAlgorithms: dpopAlgorithms(env),
    dpopProofMaxAgeSeconds: integer(env, "DPOP_PROOF_MAX_AGE", "seconds", 1, 600),
    dpopNonce: flag(env, "DPOP_NONCE"),
  };
}

/**
 * RFC 9728 §3.1: the metadata URL inserts `/.well-known/oauth-protected-resource`
 * between the resource's host and its path.
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

function required(env: RawVars, name: WorkerVarName): string {
  const value = env[name];
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(name, `${name} is not set; set it to ${WORKER_VARS[name].description}`);
  }
  return value.trim();
}

function optional(env: RawVars, name: WorkerVarName): string {
  const value = env[name];
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
    const spec = WORKER_VARS[name];
    return "default" in spec ? spec.default : "";
  }
  if (typeof value !== "string") throw new ConfigError(name, `${name} must be a string`);
  return value.trim();
}

function integer(env: RawVars, name: WorkerVarName, unit: string, min: number, max: number): number {
  const text = optional(env, name);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(name, `${name} must be a whole number of ${unit} from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function list(env: RawVars, name: WorkerVarName): string[] {
  return optional(env, name)
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function flag(env: RawVars, name: WorkerVarName): boolean {
  const text = optional(env, name);
  if (text !== "true" && text !== "false") throw new ConfigError(name, `${name} must be true or false, got "${text}"`);
  return text === "true";
}

function dpopAlgorithms(env: RawVars): DpopAlgorithm[] {
  const names = list(env, "DPOP_ALGORITHMS");
  if (names.length === 0) throw new ConfigError("DPOP_ALGORITHMS", "DPOP_ALGORITHMS must list at least one algorithm");
  for (const name of names) {
    if (!(DPOP_ALGORITHMS as readonly string[]).includes(name)) {
      throw new ConfigError("DPOP_ALGORITHMS", `DPOP_ALGORITHMS: "${name}" is not one of ${DPOP_ALGORITHMS.join(", ")} (asymmetric only)`);
    }
  }
  return [...new Set(names)] as DpopAlgorithm[];
}

/** "none" lists none; an entry is a `sub` as issued: no whitespace or control characters, at most 255 characters. */
function sharedSubjects(env: RawVars): string[] {
  const subjects = list(env, "SHARED_SUBJECTS");
  if (subjects.length === 1 && subjects[0] === "none") return [];
  for (const subject of subjects) {
    if (subject === "none") {
      throw new ConfigError("SHARED_SUBJECTS", 'SHARED_SUBJECTS: "none" means no shared subjects and cannot be combined with others');
    }
    // eslint-disable-next-line no-control-regex
    if (subject.length > 255 || /[\s\u0000-\u001f\u007f]/.test(subject)) {
      throw new ConfigError(
        "SHARED_SUBJECTS",
        `SHARED_SUBJECTS: ${JSON.stringify(subject.slice(0, 64))} is not a token subject (no spaces or control characters, at most 255 characters)`,
      );
    }
  }
  return [...new Set(subjects)];
}

function algorithms(env: RawVars): SupportedAlgorithm[] {
  const names = list(env, "JWT_ALGORITHMS");
  if (names.length === 0) throw new ConfigError("JWT_ALGORITHMS", "JWT_ALGORITHMS must list at least one algorithm");
  for (const name of names) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(name)) {
      throw new ConfigError("JWT_ALGORITHMS", `JWT_ALGORITHMS: "${name}" is not one of ${SUPPORTED_ALGORITHMS.join(", ")}`);
    }
  }
  return [...new Set(names)] as SupportedAlgorithm[];
}

/** https everywhere; plain http only for loopback development. */
function parseHttpUrl(name: WorkerVarName, raw: string): { raw: string; url: URL } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `${name} must be an absolute URL, got "${raw}"`);
  }
  if (!isHttpsOrLoopbackHttp(url)) {
    throw new ConfigError(name, `${name} must be an https URL (http is allowed only for localhost), got "${raw}"`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(name, `${name} must not contain a query, fragment or credentials`);
  }
  return { raw, url };
}

function canonicalResource({ url }: { url: URL }): string {
  return url.pathname === "/" ? url.origin : `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function parseOrigin(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("ALLOWED_ORIGINS", `ALLOWED_ORIGINS: "${raw}" is not an origin like https://app.example.com`);
  }
  if (url.origin === "null" || url.origin !== raw.replace(/\/$/, "")) {
    throw new ConfigError("ALLOWED_ORIGINS", `ALLOWED_ORIGINS: "${raw}" must be a bare origin like https://app.example.com`);
  }
  return url.origin;
}
