import { z } from "zod";
import { SecretValue } from "../secret-value.ts";
import { CADDYFILE_TOKEN } from "./caddyfile.ts";
import { type DatabaseConfig, type DatabaseConfigInput, databaseSchema } from "./database-config.ts";
import { parseDockerHost } from "./docker-host.ts";
import { issuerProblem, issuerProblemBehindCaddy } from "./issuer.ts";
import { kubernetesTargetSchema, type KubernetesTarget, type KubernetesTargetInput } from "./kubernetes/config.ts";
import { issuerProblemBehindIngress, targetIssues } from "./kubernetes/rules.ts";
import { RESERVED_ENV, RETIRED_KEYS, SEED_IMAGE } from "./reserved.ts";
import { AUTHGENT_BASE_IMAGE, AUTHGENT_SERVER_VERSION, EXACT_VERSION } from "./server-release.ts";

/**
 * The stack config's optional `authgent:` block. Present → the stack runs the
 * released authgent-server on a Docker host (`host`) or on a Kubernetes
 * cluster (`kubernetes`), exactly one of the two, and wires every MCP server
 * to it; absent → the stack only deploys workers and points them at an
 * existing issuer.
 *
 * Each setting names the authgent-server setting it becomes (config.py
 * `Settings`, env prefix `AUTHGENT_`). Secret fields (`secretKey`,
 * `dockerTls.*`, `database.password`, `database.url`, `registration.token`,
 * `secretEnv.*`) are set with `pulumi config set --secret --path
 * 'authgent.<field>' …`; after parsing they are `SecretValue`s. Every default
 * is applied by `authgentConfigSchema` and nowhere else.
 */
export interface AuthgentConfigInput {
  /**
   * Docker daemon to run on: `ssh://user@host[:port]` (your ssh client and
   * agent) or `tcp://host:2376` (Docker's TLS socket, with `dockerTls`).
   * Required unless `kubernetes` is set (exclusive with it).
   * @example "ssh://deploy@auth.yourcompany.com"
   */
  host?: string;
  /**
   * Run Authgent on a Kubernetes cluster instead of a Docker host: several
   * replicas, Postgres, an Ingress (docs/authgent-kubernetes.md). Needs
   * `image` pinned by digest. Exclusive with `host`.
   * @default none (the Docker host)
   */
  kubernetes?: KubernetesTargetInput;
  /** Extra flags for the ssh client, `ssh://` hosts only. @default [] */
  sshOpts?: readonly string[];
  /** Client TLS material for a `tcp://` host, PEM text. Secret. Required for `tcp://`, refused for `ssh://`. */
  dockerTls?: { ca: string; cert: string; key: string };
  /**
   * Public issuer: `AUTHGENT_SERVER_URL` (every token's `iss`, the metadata
   * `issuer`) and every MCP server's `AUTHGENT_ISSUER`. An origin: https, no
   * path, no trailing slash (http only for localhost).
   * @example "https://auth.yourcompany.com"
   */
  issuer: string;
  /**
   * `AUTHGENT_SECRET_KEY`: the master key the server derives its key-encryption,
   * CSRF, session and DPoP-nonce keys from (config.py `_kek_key` …). Secret,
   * required; `npm run keygen` makes one. Changing it makes the stored signing
   * keys unreadable.
   */
  secretKey?: string;
  /** Prefix of every Docker object's name, so two stacks can share a host. @default "authgent" */
  name?: string;
  /**
   * The image built on the Docker host (the default): authgent-server from
   * PyPI on a pinned Python base. Mutually exclusive with `image`.
   * @default { version: AUTHGENT_SERVER_VERSION, baseImage: AUTHGENT_BASE_IMAGE }
   */
  build?: { version?: string; baseImage?: string };
  /**
   * Your own authgent-server image instead of the build, pinned by digest
   * (`registry/authgent-server@sha256:…`; the production policy requires it).
   * It must provide `uvicorn`, `python` and `authgent_server`, and let its
   * user write `dataPath`.
   * @default none (build)
   */
  image?: string;
  /** `AUTHGENT_DATABASE_URL`. @default { type: "sqlite" } (a file on the data volume) */
  database?: DatabaseConfigInput;
  /**
   * `AUTHGENT_REGISTRATION_POLICY` (RFC 7591 dynamic registration): `open`
   * (what MCP clients expect), `token` (clients present `token`, an initial
   * access token; secret), `admin` (no self-registration).
   * @default { policy: "open" }
   */
  registration?: { policy?: "open" | "token" | "admin"; token?: string };
  /**
   * `AUTHGENT_CONSENT_MODE`: `ui` (a consent page), `headless`, or
   * `auto_approve` (every /authorize request is approved without a page; the
   * server's own default, flagged by the production policy).
   * @default "ui"
   */
  consentMode?: "ui" | "headless" | "auto_approve";
  /** `AUTHGENT_REQUIRE_DPOP`: refuse tokens without a DPoP proof (RFC 9449). @default false */
  requireDpop?: boolean;
  /** `AUTHGENT_CORS_ORIGINS`; empty = any origin without credentials (middleware/cors.py). @default [] */
  corsOrigins?: readonly string[];
  /**
   * Peers uvicorn trusts for `X-Forwarded-Proto`/`-For` (`--forwarded-allow-ips`).
   * @default "*" behind Caddy (only Caddy can reach the container), "127.0.0.1" with tls.proxy: none
   */
  forwardedAllowIps?: string;
  /** Mount point of the data volume (the SQLite database lives here). @default "/data" */
  dataPath?: string;
  /** Healthcheck command, for an `image` without Python. @default python urllib on /ready */
  healthCommand?: readonly string[];
  /**
   * Other `AUTHGENT_*` settings, plain text, e.g. `AUTHGENT_ACCESS_TOKEN_TTL`
   * or `AUTHGENT_RESOURCE_MATCH`. Settings this block derives are refused.
   * @default {}
   */
  env?: Readonly<Record<string, string>>;
  /** Secret environment, merged like `env`. Secret. @default {} */
  secretEnv?: Readonly<Record<string, string>>;
  /** TLS termination in front of Authgent. @default { proxy: "caddy" } */
  tls?: TlsConfigInput;
  /** Host port Authgent is published on with `tls.proxy: none`. @default 8000 */
  publishPort?: number;
}

export interface TlsConfigInput {
  /**
   * `caddy`: a Caddy reverse proxy obtains certificates for the issuer's host
   * automatically and is the only container with published ports (80, 443).
   * `none`: Authgent publishes `publishPort` itself, for TLS terminated elsewhere.
   * @default "caddy"
   */
  proxy?: "caddy" | "none";
  /** Caddy image. @default "caddy:2" */
  image?: string;
  /** ACME account email. @default none */
  email?: string;
  /** ACME directory (Let's Encrypt staging while testing). @default Caddy's default */
  acmeCa?: string;
}

/** The `authgent:` block after validation, every default applied. */
export interface AuthgentConfig {
  /** The Docker host; exactly one of `host` and `kubernetes` is set. */
  readonly host?: string | undefined;
  readonly kubernetes?: KubernetesTarget | undefined;
  readonly sshOpts: readonly string[];
  readonly dockerTls?: { readonly ca: SecretValue; readonly cert: SecretValue; readonly key: SecretValue } | undefined;
  readonly issuer: string;
  readonly secretKey?: SecretValue | undefined;
  readonly name: string;
  /** Exactly one of `build` and `image`. */
  readonly build?: { readonly version: string; readonly baseImage: string } | undefined;
  readonly image?: string | undefined;
  readonly database: DatabaseConfig;
  readonly registration: { readonly policy: "open" | "token" | "admin"; readonly token?: SecretValue | undefined };
  readonly consentMode: "ui" | "headless" | "auto_approve";
  readonly requireDpop: boolean;
  readonly corsOrigins: readonly string[];
  readonly forwardedAllowIps: string;
  readonly dataPath: string;
  readonly healthCommand?: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: Readonly<Record<string, SecretValue>>;
  readonly tls: TlsConfig;
  readonly publishPort: number;
}

export interface TlsConfig {
  readonly proxy: "caddy" | "none";
  readonly image: string;
  readonly email?: string | undefined;
  readonly acmeCa?: string | undefined;
}

export const CADDY_DEFAULT_IMAGE = "caddy:2";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOCKER_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** "is required: …" when absent (the stack config's formatter keeps that wording), else the type hint. */
const text = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `is required: ${what}` : `must be text: ${what}`) });
const secret = (what: string) => text(what).min(1, { error: `must not be empty: ${what}` }).transform((value) => new SecretValue(value));
const portSchema = z
  .number({ error: "must be a port number from 1 to 65535" })
  .int({ error: "must be a port number from 1 to 65535" })
  .min(1, { error: "must be a port number from 1 to 65535" })
  .max(65_535, { error: "must be a port number from 1 to 65535" });
const absolutePath = z.string({ error: "must be an absolute path like /data" }).regex(/^\/[A-Za-z0-9._/-]*$/, { error: "must be an absolute path like /data" });
/** Record key failures otherwise read "Invalid key in record". */
const envRecordError = (issue: { code?: string }) => (issue.code === "invalid_key" ? "is not an environment variable name (like AUTHGENT_ACCESS_TOKEN_TTL)" : undefined);

const tlsSchema = z.strictObject({
  proxy: z.enum(["caddy", "none"], { error: 'must be "caddy" (automatic HTTPS in front of Authgent) or "none"' }).default("caddy"),
  image: text("a Caddy image like caddy:2").min(1).default(CADDY_DEFAULT_IMAGE),
  email: z.email({ error: "must be an email address for the ACME account" }).regex(CADDYFILE_TOKEN, { error: "must be a plain email address (no quotes or spaces)" }).optional(),
  acmeCa: z
    .url({ protocol: /^https$/, error: "must be an https ACME directory URL" })
    .regex(CADDYFILE_TOKEN, { error: "must be an https ACME directory URL without spaces, quotes or braces" })
    .optional(),
});

const buildSchema = z.strictObject({
  version: text(`an exact authgent-server release like ${AUTHGENT_SERVER_VERSION}`)
    .regex(EXACT_VERSION, { error: `must be an exact authgent-server release like ${AUTHGENT_SERVER_VERSION} (pip installs authgent-server==<version>)` })
    .default(AUTHGENT_SERVER_VERSION),
  baseImage: text("a Python base image like python:3.12-slim@sha256:…").min(1).default(AUTHGENT_BASE_IMAGE),
});

const registrationSchema = z.strictObject({
  policy: z.enum(["open", "token", "admin"], { error: 'must be "open", "token" or "admin" (AUTHGENT_REGISTRATION_POLICY)' }).default("open"),
  token: secret("the initial access token clients present to /register").optional(),
});

const baseSchema = z.strictObject({
  host: text("the Docker host, ssh://user@host[:port] or tcp://host:2376")
    .superRefine((raw, ctx) => {
      const parsed = parseDockerHost(raw);
      if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
    })
    .optional(),
  kubernetes: kubernetesTargetSchema.optional(),
  sshOpts: z.array(z.string(), { error: "must be a list of ssh flags" }).default([]),
  dockerTls: z
    .strictObject({
      ca: secret("PEM of the CA that signed the Docker daemon's certificate"),
      cert: secret("PEM of the Docker client certificate"),
      key: secret("PEM of the Docker client key"),
    })
    .optional(),
  issuer: text("the public issuer URL, e.g. https://auth.yourcompany.com").superRefine((raw, ctx) => {
    const problem = issuerProblem(raw);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  secretKey: secret("AUTHGENT_SECRET_KEY (npm run keygen)").optional(),
  name: z.string().regex(DOCKER_NAME, { error: "must be lowercase letters, digits and '-' (at most 41 characters)" }).default("authgent"),
  build: buildSchema.optional(),
  image: text("an image reference like registry/authgent-server@sha256:…").min(1).optional(),
  database: databaseSchema,
  registration: registrationSchema.prefault({}),
  consentMode: z.enum(["ui", "headless", "auto_approve"], { error: 'must be "ui", "headless" or "auto_approve" (AUTHGENT_CONSENT_MODE)' }).default("ui"),
  requireDpop: z.boolean({ error: "must be true or false" }).default(false),
  corsOrigins: z.array(z.url({ protocol: /^https?$/, error: "must be an origin like https://app.yourcompany.com" }), { error: "must be a list of origins" }).default([]),
  forwardedAllowIps: z.string().regex(/^[\w.:/*,[\]-]+$/, { error: 'must be "*" or a comma-separated list of IP addresses or networks' }).optional(),
  dataPath: absolutePath.default("/data"),
  healthCommand: z.array(z.string(), { error: 'must be a command list like ["CMD", "python", "-c", "…"]' }).min(1).optional(),
  env: z.record(z.string().regex(ENV_NAME), z.string({ error: "must be text (quote numbers and booleans)" }), { error: envRecordError }).default({}),
  secretEnv: z.record(z.string().regex(ENV_NAME), secret("a secret value set with pulumi config set --secret --path"), { error: envRecordError }).default({}),
  tls: tlsSchema.prefault({}),
  publishPort: portSchema.optional(),
  // Settings of the seed's block that no longer exist, so their message can say what replaced them.
  ...Object.fromEntries(Object.keys(RETIRED_KEYS).map((key) => [key, z.unknown().optional()])),
});

/**
 * Zod schema of the `authgent:` block, for composition into the stack
 * config. Messages are predicates ("must be …") completed by the key path.
 */
export const authgentConfigSchema: z.ZodType<AuthgentConfig, AuthgentConfigInput> = baseSchema
  .superRefine((cfg, ctx) => {
    for (const issue of crossFieldIssues(cfg)) ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
  })
  .transform((cfg): AuthgentConfig => {
    // Behind Caddy or an ingress controller only the proxy reaches Authgent (see forwardedAllowIps).
    const behindProxy = cfg.kubernetes !== undefined || cfg.tls.proxy === "caddy";
    const parsed: AuthgentConfig = {
      host: cfg.host,
      kubernetes: cfg.kubernetes,
      sshOpts: cfg.sshOpts,
      dockerTls: cfg.dockerTls,
      issuer: cfg.issuer,
      secretKey: cfg.secretKey,
      name: cfg.name,
      ...(cfg.image === undefined ? { build: cfg.build ?? { version: AUTHGENT_SERVER_VERSION, baseImage: AUTHGENT_BASE_IMAGE } } : { image: cfg.image }),
      database: cfg.database,
      registration: cfg.registration,
      consentMode: cfg.consentMode,
      requireDpop: cfg.requireDpop,
      corsOrigins: cfg.corsOrigins,
      forwardedAllowIps: cfg.forwardedAllowIps ?? (behindProxy ? "*" : "127.0.0.1"),
      dataPath: cfg.dataPath,
      healthCommand: cfg.healthCommand,
      env: cfg.env,
      secretEnv: cfg.secretEnv,
      tls: cfg.tls,
      publishPort: cfg.publishPort ?? 8000,
    };
    PARSED.add(parsed);
    return parsed;
  });

/** Every object `authgentConfigSchema` produced, so untyped holders can prove what they hold. */
const PARSED = new WeakSet<object>();

/** True for (only) the result of `authgentConfigSchema`; the fleet config carries the block as `unknown`. */
export function isAuthgentConfig(value: unknown): value is AuthgentConfig {
  return typeof value === "object" && value !== null && PARSED.has(value);
}

function crossFieldIssues(cfg: z.output<typeof baseSchema>): { path: string[]; message: string }[] {
  const tlsSet = cfg.tls.proxy !== "caddy" || cfg.tls.image !== CADDY_DEFAULT_IMAGE || cfg.tls.email !== undefined || cfg.tls.acmeCa !== undefined;
  return [...targetIssues({ ...cfg, tlsSet }), ...sharedIssues(cfg), ...(cfg.kubernetes !== undefined ? kubernetesIssues(cfg) : dockerIssues(cfg))];
}

/** Rules that hold whichever target runs the server. */
function sharedIssues(cfg: z.output<typeof baseSchema>): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const raw = cfg as Record<string, unknown>;
  for (const [key, message] of Object.entries(RETIRED_KEYS)) if (raw[key] !== undefined) issues.push({ path: [key], message });
  if (cfg.image !== undefined && SEED_IMAGE.test(cfg.image)) {
    issues.push({
      path: ["image"],
      message: `is the seed's authgent/authgent image, which nobody publishes; remove authgent.image to build authgent-server ${AUTHGENT_SERVER_VERSION} from PyPI on the Docker host, or name your own build pinned by digest`,
    });
  }
  if (cfg.registration.token !== undefined && cfg.registration.policy !== "token") {
    issues.push({ path: ["registration", "token"], message: `applies only with registration.policy: token (the server ignores it with "${cfg.registration.policy}")` });
  }
  for (const [group, names] of [["env", Object.keys(cfg.env)], ["secretEnv", Object.keys(cfg.secretEnv)]] as const) {
    for (const name of names) {
      const reserved = RESERVED_ENV[name];
      if (reserved) issues.push({ path: [group, name], message: reserved });
    }
  }
  for (const name of Object.keys(cfg.secretEnv)) {
    if (name in cfg.env) issues.push({ path: ["env", name], message: "is also in authgent.secretEnv; keep it in one of the two" });
  }
  return issues;
}

function kubernetesIssues(cfg: z.output<typeof baseSchema>): { path: string[]; message: string }[] {
  // A malformed issuer is already reported by its own field check.
  const problem = issuerProblem(cfg.issuer) === undefined ? issuerProblemBehindIngress(cfg.issuer) : undefined;
  return problem ? [{ path: ["issuer"], message: problem }] : [];
}

function dockerIssues(cfg: z.output<typeof baseSchema>): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  if (cfg.host === undefined) return issues;
  const host = parseDockerHost(cfg.host);
  if (host.ok && host.host.kind === "ssh") {
    if (cfg.dockerTls) issues.push({ path: ["dockerTls"], message: "applies to tcp:// hosts only; ssh:// hosts authenticate with your SSH key" });
  } else if (host.ok && cfg.sshOpts.length > 0) {
    issues.push({ path: ["sshOpts"], message: "applies to ssh:// hosts only; remove it or use an ssh://user@host host" });
  }
  if (cfg.image !== undefined && cfg.build !== undefined) {
    issues.push({ path: ["image"], message: "and authgent.build are exclusive: remove image to build authgent-server on the host, or remove build to run your image" });
  }
  if (cfg.tls.proxy === "caddy") {
    if (cfg.publishPort !== undefined) issues.push({ path: ["publishPort"], message: "applies only with tls.proxy: none (behind Caddy, Authgent publishes no port)" });
    // A malformed issuer is already reported by its own field check.
    const problem = issuerProblem(cfg.issuer) === undefined ? issuerProblemBehindCaddy(cfg.issuer) : undefined;
    if (problem) issues.push({ path: ["issuer"], message: problem });
  }
  return issues;
}
