/**
 * The stack's config → a validated, fully defaulted `FleetConfig`.
 *
 * Every default is applied here (`SERVER_DEFAULTS`), every failure names the
 * key and the fix, and all problems are reported at once, before any
 * resource exists. Used by the Pulumi program, `npm run plan`, `npm start
 * --stack` and the tests alike (readers in `config-source.ts`).
 */
import type { z } from "zod";
import { COMPATIBILITY_DATE, COMPATIBILITY_FLAGS, MCP_AGENT, RATE_LIMITER, SCOPES, WORKER_VARS, type WorkerVarName } from "../worker/bindings.ts";
import { parseWorkerConfig, type DpopAlgorithm, type SupportedAlgorithm } from "../worker/config.ts";
import { ConfigError } from "../worker/errors.ts";
import {
  stackConfigSchema,
  type KeepableBindingType,
  type RawServer,
  type RawServerSettings,
  type RawStackConfig,
} from "./config-schema.ts";
import { SecretValue } from "./secret-value.ts";
import type { RolloutConfig, RolloutStage } from "./rollout-schema.ts";
import type { BindingSupply } from "./server-bindings.ts";
import { assignWaves, DEFAULT_ROLLOUT_WAVE } from "./rollout-waves.ts";
import { renameIssues } from "./server-renames.ts";
import { retirementIssues } from "./server-retirement.ts";
import { reachabilityIssues } from "./server-reachability.ts";
import { booleanDefault, listDefault, numericDefault, VAR_CONFIG_KEYS, workerVarValues, type ResolvedVarSettings } from "./worker-vars.ts";

/** The Pulumi project name; stack config keys are `authgent-edge:<key>`. */
export const PROJECT = "authgent-edge";

/** Default worker entry point (relative to the repository root). */
export const DEFAULT_WORKER_SOURCE = "worker/index.ts";

/** Per-server settings that have a default (issuer and zones have none). */
type DefaultedSetting = Exclude<keyof RawServerSettings, "issuer" | "zoneId" | "zoneName">;

/** Defaults for every per-server setting, in one place. */
export const SERVER_DEFAULTS: { readonly [K in DefaultedSetting]-?: NonNullable<RawServerSettings[K]> } = {
  jwksCacheTtl: numericDefault("JWKS_CACHE_TTL"),
  rateLimitPerMinute: numericDefault("RATE_LIMIT_PER_MINUTE"),
  allowedOrigins: listDefault("ALLOWED_ORIGINS"),
  algorithms: listDefault("JWT_ALGORITHMS") as SupportedAlgorithm[],
  clockTolerance: numericDefault("CLOCK_TOLERANCE"),
  maxTokenLifetime: numericDefault("MAX_TOKEN_LIFETIME"),
  resourceName: WORKER_VARS.RESOURCE_NAME.default,
  sharedSubjects: listDefault("SHARED_SUBJECTS"),
  requireDpop: booleanDefault("REQUIRE_DPOP"),
  dpopAlgorithms: listDefault("DPOP_ALGORITHMS") as DpopAlgorithm[],
  dpopProofMaxAge: numericDefault("DPOP_PROOF_MAX_AGE"),
  dpopNonce: booleanDefault("DPOP_NONCE"),
  scopes: Object.values(SCOPES),
  compatibilityDate: COMPATIBILITY_DATE,
  compatibilityFlags: [...COMPATIBILITY_FLAGS],
  workersDev: false,
  keepBindings: [],
  observabilitySampleRate: 1,
};

/** Where a Workers custom domain points. */
export interface CustomDomainConfig {
  readonly hostname: string;
  readonly zoneId?: string;
  readonly zoneName?: string;
}

export interface RouteConfig {
  readonly pattern: string;
  readonly zoneId: string;
}

/** One MCP server, every default applied. */
export interface ServerConfig {
  /** Worker script name and resource name prefix. */
  readonly name: string;
  /** The Worker script's name: the oldest of `previousNames`, else `name`. */
  readonly scriptName: string;
  /** Earlier names of the server, oldest first (resource aliases). */
  readonly previousNames: readonly string[];
  /** Gradual deployment settings; absent: every deploy takes 100% at once. */
  readonly rollout?: RolloutConfig;
  readonly audience: string;
  readonly issuer: string;
  /** Worker entry point relative to the repository root. */
  readonly source: string;
  readonly customDomain?: CustomDomainConfig;
  readonly routes: readonly RouteConfig[];
  readonly workersDev: boolean;
  /** Every worker var as deployed (defaults written out, so the deploy is explicit). */
  readonly vars: Readonly<Record<WorkerVarName, string>>;
  readonly rateLimit: { readonly namespaceId: string; readonly limit: number; readonly periodSeconds: number };
  /**
   * The scopes its tools require. Before the code is read (`server-code.ts`)
   * this is the deprecated `scopes` setting or its default; the deploy
   * replaces it with the scopes derived from the code.
   */
  readonly scopes: readonly string[];
  /** Where `scopes` was set explicitly (deprecated key), e.g. "servers[2].scopes"; absent when defaulted. */
  readonly scopesSetAt?: string;
  /** `servers[i].bindings`: how the stack supplies each binding of the server's manifest (checked against the code in `server-code.ts`). */
  readonly bindings: Readonly<Record<string, BindingSupply>>;
  /**
   * Every value under `secrets.<server>`, whether `servers[i].secrets` or the
   * server's manifest declares it (a value neither declares is reported once
   * the code is read, `server-code.ts`).
   */
  readonly secretValues: ReadonlyMap<string, SecretValue>;
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  readonly keepBindings: readonly KeepableBindingType[];
  readonly observabilitySampleRate: number;
  /** Secret bindings by name, sorted; values only leave through `SecretValue.reveal()`. */
  readonly secrets: ReadonlyMap<string, SecretValue>;
}

export interface FleetConfig<A = unknown> {
  readonly stack: string;
  readonly accountId: string;
  /** What this run does with servers that have `rollout`. @default "canary" */
  readonly rolloutStage?: RolloutStage;
  /** Number of rollout waves (`rolloutWaves`, `rollout.wave`); each `rollout:` server's `rollout.wave` is resolved. @default 0 — no waves */
  readonly rolloutWaveCount?: number;
  /** The wave this run moves, when the stack has waves. @default DEFAULT_ROLLOUT_WAVE (0) */
  readonly rolloutWave?: number;
  readonly servers: readonly ServerConfig[];
  /** Names from `retiredServers`: their Worker script is not protected. @default [] */
  readonly retiredServers?: readonly string[];
  /** The parsed `authgent:` block (issue 4), when the stack has one. */
  readonly authgent?: A;
  /** Problems that do not stop the offline plan, for the CLI to print (e.g. an unset required secret). @default [] */
  readonly warnings?: readonly ConfigIssue[];
}

/** Raw config as read from Pulumi or a stack file (see `config-source.ts`). */
export interface StackConfigInput {
  readonly stack: string;
  /** Values keyed without the `authgent-edge:` namespace, structured values already decoded. */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * Paths under `secrets` whose values are stored unencrypted (e.g.
   * "secrets.my-server.API_KEY"), as far as the reader can tell.
   */
  readonly plaintextSecretPaths: readonly string[];
}

export interface ConfigIssue {
  /** Key path like "servers[1].audience". */
  readonly path: string;
  /** Completes "<path> …", e.g. "must be an https URL without a trailing slash". */
  readonly message: string;
}

/**
 * Issue 4 hook: validates the optional `authgent:` block and tells the fleet
 * which issuer it deploys. Registered in `config-plugins.ts`.
 */
export interface AuthgentConfigPlugin<A> {
  readonly schema: z.ZodType<A>;
  /** Public issuer URL of the deployed Authgent; servers without `issuer` default to it. */
  issuerOf(config: A): string;
  /** Cross-checks against the resolved servers (issuer mismatch, http in production, …). */
  check?(config: A, servers: readonly ServerConfig[], stack: string): ConfigIssue[];
  /** Findings that do not stop an offline plan (a required secret not stored yet, shown as a placeholder). */
  warnings?(config: A, stack: string): ConfigIssue[];
}

export class StackConfigError extends Error {
  readonly code = "ERR_STACK_CONFIG";
  constructor(
    readonly stackName: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `Stack "${stackName}" config is invalid (keys under ${PROJECT}: in Pulumi.${stackName}.yaml):\n` +
        issues.map((issue) => `  - ${issue.path} ${issue.message}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

export interface ParseStackConfigOptions<A> {
  /** Validates the `authgent:` block; without it such a block is an error. */
  readonly authgent?: AuthgentConfigPlugin<A>;
}

/** Validates and resolves a stack's config. Throws `StackConfigError` listing every problem. */
export function parseStackConfig<A = unknown>(input: StackConfigInput, options: ParseStackConfigOptions<A> = {}): FleetConfig<A> {
  // reportInput lets us tell "missing" from "wrong"; inputs are never printed (they may be secrets).
  const parsed = stackConfigSchema.safeParse(input.values, { reportInput: true });
  if (!parsed.success) throw new StackConfigError(input.stack, formatZodIssues(parsed.error.issues));
  const raw = parsed.data;
  const issues: ConfigIssue[] = [];

  let authgent: A | undefined;
  let deployedIssuer: string | undefined;
  if (raw.authgent !== undefined) {
    if (!options.authgent) {
      issues.push({ path: "authgent", message: "is not supported by this program: remove the block or upgrade authgent-edge" });
    } else {
      const result = options.authgent.schema.safeParse(raw.authgent, { reportInput: true });
      if (result.success) {
        authgent = result.data;
        deployedIssuer = options.authgent.issuerOf(authgent);
      } else {
        issues.push(...formatZodIssues(result.error.issues, ["authgent"]));
      }
    }
  }

  const resolved = raw.servers.map((server, index) => resolveServer(raw, server, index, deployedIssuer, issues));
  const waves = assignWaves(resolved, raw.rolloutWaves, raw.rolloutWave);
  issues.push(...waves.issues);
  const servers = waves.count > 0 ? resolved.map((server) => withWave(server, waves.waveOf.get(server.name))) : resolved;
  checkFleet(raw, servers, input, issues);
  if (authgent !== undefined && options.authgent?.check) issues.push(...options.authgent.check(authgent, servers, input.stack));
  if (issues.length > 0) throw new StackConfigError(input.stack, distinctIssues(issues));
  const warnings = authgent !== undefined && options.authgent?.warnings ? options.authgent.warnings(authgent, input.stack) : [];
  return { stack: input.stack, accountId: raw.accountId, servers, ...(authgent === undefined ? {} : { authgent }), ...(warnings.length > 0 ? { warnings } : {}), ...(raw.rolloutStage ? { rolloutStage: raw.rolloutStage } : {}), ...(waves.count > 0 ? { rolloutWaveCount: waves.count, rolloutWave: raw.rolloutWave ?? DEFAULT_ROLLOUT_WAVE } : {}), ...(raw.retiredServers ? { retiredServers: raw.retiredServers.map((r) => r.name) } : {}) };
}

/** A `rollout:` server with its resolved wave. */
function withWave(server: ServerConfig, wave: number | undefined): ServerConfig {
  return server.rollout && wave !== undefined ? { ...server, rollout: { ...server.rollout, wave } } : server;
}

function resolveServer(raw: RawStackConfig, server: RawServer, index: number, deployedIssuer: string | undefined, issues: ConfigIssue[]): ServerConfig {
  const at = `servers[${index}]`;
  const pick = <K extends keyof RawServerSettings>(key: K): RawServerSettings[K] | undefined => server[key] ?? raw.defaults?.[key];
  // The server's own value, else the stack's `defaults:`, else SERVER_DEFAULTS.
  const setting = <K extends DefaultedSetting>(key: K) => pick(key) ?? SERVER_DEFAULTS[key];
  const issuer = pick("issuer") ?? deployedIssuer;
  // An invalid authgent: block is reported on its own; its issuer would have been the default.
  if (issuer === undefined && raw.authgent === undefined) {
    issues.push({ path: `${at}.issuer`, message: "is required: set defaults.issuer (or this server's issuer) to your Authgent URL, or add an authgent: block to deploy one" });
  }
  const settings: ResolvedVarSettings = {
    issuer: issuer ?? "",
    audience: server.audience,
    jwksCacheTtl: setting("jwksCacheTtl"),
    rateLimitPerMinute: setting("rateLimitPerMinute"),
    allowedOrigins: setting("allowedOrigins"),
    algorithms: setting("algorithms"),
    clockTolerance: setting("clockTolerance"),
    maxTokenLifetime: setting("maxTokenLifetime"),
    resourceName: setting("resourceName"),
    sharedSubjects: setting("sharedSubjects"),
    requireDpop: setting("requireDpop"),
    dpopAlgorithms: setting("dpopAlgorithms"),
    dpopProofMaxAge: setting("dpopProofMaxAge"),
    dpopNonce: setting("dpopNonce"),
  };
  const vars = workerVarValues(settings);
  // Where a value was set, so a rejection names the key the user must change.
  const setAt = (key: keyof RawServer): string => {
    if (key in server) return `${at}.${key}`;
    if (raw.defaults && key in raw.defaults) return `defaults.${key}`;
    return key === "issuer" && deployedIssuer !== undefined ? "authgent.issuer" : `${at}.${key}`;
  };
  if (issuer !== undefined) checkWorkerAccepts(vars, setAt, issues);

  const zoneId = pick("zoneId");
  const zoneName = pick("zoneName");
  let customDomain: CustomDomainConfig | undefined;
  if (server.customDomain !== undefined) {
    if (zoneId === undefined && zoneName === undefined) {
      issues.push({ path: `${at}.customDomain`, message: "needs the zone that holds it: set zoneId (or zoneName) on the server or under defaults" });
    }
    customDomain = { hostname: server.customDomain, ...(zoneId ? { zoneId } : zoneName ? { zoneName } : {}) };
  }
  const routes: RouteConfig[] = [];
  (server.routes ?? []).forEach((route, r) => {
    const pattern = typeof route === "string" ? route : route.pattern;
    const routeZone = (typeof route === "string" ? undefined : route.zoneId) ?? zoneId;
    if (routeZone === undefined) {
      issues.push({ path: `${at}.routes[${r}]`, message: "needs a zoneId: set zoneId on the route, the server or under defaults" });
    }
    routes.push({ pattern, zoneId: routeZone ?? "" });
  });

  return {
    name: server.name,
    scriptName: server.previousNames?.[0] ?? server.name,
    previousNames: [...(server.previousNames ?? [])],
    ...(server.rollout ? { rollout: { ...server.rollout } } : {}),
    audience: server.audience,
    issuer: settings.issuer,
    source: server.source ?? DEFAULT_WORKER_SOURCE,
    ...(customDomain ? { customDomain } : {}),
    routes,
    workersDev: setting("workersDev"),
    vars,
    rateLimit: {
      namespaceId: server.rateLimitNamespaceId ?? defaultRateLimitNamespaceId(server.previousNames?.[0] ?? server.name),
      limit: settings.rateLimitPerMinute,
      periodSeconds: RATE_LIMITER.periodSeconds,
    },
    scopes: setting("scopes"),
    ...(pick("scopes") !== undefined ? { scopesSetAt: setAt("scopes") } : {}),
    bindings: { ...(server.bindings ?? {}) },
    secretValues: new Map(Object.entries(raw.secrets?.[server.name] ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => [name, new SecretValue(value)])),
    compatibilityDate: setting("compatibilityDate"),
    compatibilityFlags: setting("compatibilityFlags"),
    keepBindings: setting("keepBindings"),
    observabilitySampleRate: setting("observabilitySampleRate"),
    secrets: resolveSecrets(raw, server, at, issues),
  };
}

/** The worker's own parser is the final word on its vars: what deploys is what it accepts. */
function checkWorkerAccepts(vars: Record<WorkerVarName, string>, setAt: (key: keyof RawServer) => string, issues: ConfigIssue[]): void {
  try {
    parseWorkerConfig(vars);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const name = err.variable as WorkerVarName;
    const path = name in VAR_CONFIG_KEYS ? setAt(VAR_CONFIG_KEYS[name]) : err.variable;
    issues.push({ path, message: `is rejected by the worker: ${err.message}` });
  }
}

function resolveSecrets(raw: RawStackConfig, server: RawServer, at: string, issues: ConfigIssue[]): ReadonlyMap<string, SecretValue> {
  const declared = [...new Set(server.secrets ?? [])].sort();
  const provided = raw.secrets?.[server.name] ?? {};
  const reserved = new Set<string>([...Object.keys(WORKER_VARS), MCP_AGENT.binding, RATE_LIMITER.binding]);
  const out = new Map<string, SecretValue>();
  for (const name of declared) {
    if (reserved.has(name)) {
      issues.push({ path: `${at}.secrets`, message: `must not declare ${name}: that name is a worker var or binding; pick another name` });
      continue;
    }
    const value = provided[name];
    if (value === undefined) {
      issues.push({
        path: `secrets.${server.name}.${name}`,
        message: `is declared by ${at}.secrets but has no value: run \`pulumi config set --secret --path 'secrets.${server.name}.${name}' <value>\``,
      });
      continue;
    }
    out.set(name, new SecretValue(value));
  }
  // A value neither servers[i].secrets nor the server's manifest declares is reported once the code is read (server-code.ts).
  return out;
}

function checkFleet(raw: RawStackConfig, servers: readonly ServerConfig[], input: StackConfigInput, issues: ConfigIssue[]): void {
  unique(servers, (s) => s.name, "name", issues);
  unique(servers, (s) => s.audience, "audience", issues);
  unique(servers, (s) => s.customDomain?.hostname, "customDomain", issues);
  unique(servers, (s) => s.rateLimit.namespaceId, "rateLimitNamespaceId", issues, RATE_LIMIT_NAMESPACE_FIX);
  issues.push(...renameIssues(servers), ...retirementIssues(raw.retiredServers ?? [], servers, input.stack, PROJECT));

  servers.forEach((server, index) => issues.push(...reachabilityIssues(server, `servers[${index}]`)));

  const names = new Set(servers.map((s) => s.name));
  for (const serverName of Object.keys(raw.secrets ?? {})) {
    if (!names.has(serverName)) issues.push({ path: `secrets.${serverName}`, message: `belongs to no server: rename it to one of ${[...names].join(", ")}` });
  }
  for (const path of input.plaintextSecretPaths) {
    issues.push({ path, message: `is stored in plain text: remove it and run \`pulumi config set --secret --path '${path}' <value>\`` });
  }
}

/** A shared value (a default, the deployed issuer) that fails for every server is one problem, reported once. */
export function distinctIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A shared namespace is one counter for both servers: each one's users would use up the other's limit. */
const RATE_LIMIT_NAMESPACE_FIX =
  "; servers sharing a namespace share one rate-limit counter: give each server its own rateLimitNamespaceId, or remove the key to derive one from the script name";

function unique(servers: readonly ServerConfig[], key: (s: ServerConfig) => string | undefined, label: string, issues: ConfigIssue[], fix = ""): void {
  const seen = new Map<string, number>();
  servers.forEach((server, index) => {
    const value = key(server);
    if (value === undefined) return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else issues.push({ path: `servers[${index}].${label}`, message: `must be unique: "${value}" is also used by servers[${first}]${fix}` });
  });
}

/**
 * Rate-limiting namespaces are shared by every script that names the same id
 * in the account, so each server needs its own: a stable FNV-1a hash of the
 * script name (unique per account) keeps it fixed across deploys.
 */
export function defaultRateLimitNamespaceId(scriptName: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(scriptName)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return String(1000 + (hash % 1_000_000_000));
}

/** zod issues → "servers[1].audience must be …", one line per problem. */
export function formatZodIssues(zodIssues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of zodIssues) {
    const path = formatPath([...prefix, ...issue.path]);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ path: formatPath([...prefix, ...issue.path, key]), message: "is not a known setting: check the spelling against the README's \"Stack config\" table" });
      }
    } else if (issue.code === "invalid_union") {
      out.push({ path, message: "must be a route pattern like example.com/mcp* or { pattern, zoneId }" });
    } else if (issue.code === "invalid_type" && issue.input === undefined) {
      out.push({ path, message: issue.message.startsWith("is required") ? issue.message : `is required (${issue.message})` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}
