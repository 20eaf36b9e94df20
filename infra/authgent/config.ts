import { z } from "zod";
import { SecretValue } from "../secret-value.ts";
import { CADDYFILE_TOKEN } from "./caddyfile.ts";
import { parseDockerHost } from "./docker-host.ts";

/**
 * The stack config's optional `authgent:` block. Present → the stack deploys
 * Authgent on a Docker host and wires every MCP server to it; absent → the
 * stack only deploys workers and points them at an existing issuer.
 *
 * Secret fields (`signingKey`, `dockerTls.*`, `secretEnv.*`) are set with
 * `pulumi config set --secret --path 'authgent.<field>' …` so they sit in the
 * stack file as `secure:` values; after parsing they are `SecretValue`s.
 * Every default is applied by `authgentConfigSchema` and nowhere else.
 */
export interface AuthgentConfigInput {
  /**
   * Docker daemon to run on: `ssh://user@host[:port]` (uses your ssh client
   * and agent) or `tcp://host:2376` (Docker's TLS socket, with `dockerTls`).
   * @example "ssh://deploy@auth.yourcompany.com"
   */
  host: string;
  /**
   * Extra flags for the ssh client, `ssh://` hosts only.
   * @default []
   * @example ["-o", "StrictHostKeyChecking=yes", "-i", "~/.ssh/deploy_ed25519"]
   */
  sshOpts?: readonly string[];
  /**
   * Client TLS material for a `tcp://` host, PEM text. Secret.
   * Required for `tcp://` hosts, refused for `ssh://` hosts.
   */
  dockerTls?: { ca: string; cert: string; key: string };
  /**
   * Public issuer identifier: Authgent's `AUTHGENT_ISSUER`, every token's
   * `iss`, and every MCP server's `AUTHGENT_ISSUER`. Canonical form: lower-case
   * host, no default port, no trailing slash.
   * @example "https://auth.yourcompany.com"
   */
  issuer: string;
  /**
   * ES256 signing key, PKCS#8 PEM (`npm run keygen`). Secret. Required; the
   * stack's validation names the command that sets it.
   */
  signingKey?: string;
  /**
   * Prefix of every Docker object's name (containers, network, volumes), so
   * two stacks can share one Docker host. Lowercase letters, digits, `-`.
   * @default "authgent"
   */
  name?: string;
  /**
   * Authgent image. Pin a digest (`authgent/authgent@sha256:…`) for
   * production: a tag can move under you, and the production policy requires it.
   * @default "authgent/authgent:latest"
   */
  image?: string;
  /**
   * Port Authgent listens on inside its container (the Python
   * `authgent-server` image uses 8000).
   * @default 8080
   */
  port?: number;
  /**
   * Path the container healthcheck requests on `port`. The JWKS answers only
   * once the signing key has loaded, which is what "healthy" must mean here.
   * @default "/.well-known/jwks.json"
   */
  healthPath?: string;
  /**
   * Healthcheck command, for images without `wget`.
   * @default ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:<port><healthPath>"]
   */
  healthCommand?: readonly string[];
  /**
   * Where the signing key is uploaded inside the container (a read-only
   * file); `AUTHGENT_SIGNING_KEY` points at it.
   * @default "/keys/ec-private.pem"
   */
  signingKeyPath?: string;
  /**
   * Mount point of the persistent data volume (the SQLite database lives here).
   * @default "/data"
   */
  dataPath?: string;
  /**
   * Extra plain-text environment, merged over the defaults
   * (`AUTHGENT_SIGNING_KEY`, `AUTHGENT_SIGNING_ALG=ES256`,
   * `AUTHGENT_DB_DSN=sqlite:///data/authgent.db`). `AUTHGENT_ISSUER` always
   * comes from `issuer`.
   * @default {}
   */
  env?: Readonly<Record<string, string>>;
  /**
   * Secret environment (e.g. a Postgres `AUTHGENT_DB_DSN`), merged over `env`
   * and the defaults. Secret.
   * @default {}
   */
  secretEnv?: Readonly<Record<string, string>>;
  /** TLS termination in front of Authgent. @default { proxy: "caddy" } */
  tls?: TlsConfigInput;
  /**
   * Host port Authgent is published on with `tls.proxy: none`.
   * @default the value of `port`
   */
  publishPort?: number;
}

export interface TlsConfigInput {
  /**
   * `caddy`: a Caddy reverse proxy obtains certificates for the issuer's host
   * name automatically, redirects HTTP to HTTPS, and is the only container
   * with published ports (80, 443); Authgent stays on the internal network.
   * `none`: no proxy; Authgent publishes `publishPort` itself, for TLS
   * terminated elsewhere. The issuer stays https: the workers accept an
   * http issuer only on localhost.
   * @default "caddy"
   */
  proxy?: "caddy" | "none";
  /** Caddy image. @default "caddy:2" */
  image?: string;
  /** ACME account email (expiry notices, account recovery). @default none */
  email?: string;
  /**
   * ACME directory. Use Let's Encrypt staging while testing to avoid rate limits.
   * @default Caddy's default (Let's Encrypt, then ZeroSSL)
   * @example "https://acme-staging-v02.api.letsencrypt.org/directory"
   */
  acmeCa?: string;
}

/** The `authgent:` block after validation, every default applied. */
export interface AuthgentConfig {
  readonly host: string;
  readonly sshOpts: readonly string[];
  readonly dockerTls?: { readonly ca: SecretValue; readonly cert: SecretValue; readonly key: SecretValue } | undefined;
  readonly issuer: string;
  readonly signingKey?: SecretValue | undefined;
  readonly name: string;
  readonly image: string;
  readonly port: number;
  readonly healthPath: string;
  readonly healthCommand?: readonly string[] | undefined;
  readonly signingKeyPath: string;
  readonly dataPath: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: Readonly<Record<string, SecretValue>>;
  readonly tls: TlsConfig;
  readonly publishPort?: number | undefined;
}

export interface TlsConfig {
  readonly proxy: "caddy" | "none";
  readonly image: string;
  readonly email?: string | undefined;
  readonly acmeCa?: string | undefined;
}

export const AUTHGENT_DEFAULT_IMAGE = "authgent/authgent:latest";
export const CADDY_DEFAULT_IMAGE = "caddy:2";
/** The seed's signing algorithm; `npm run keygen` makes keys for it. */
export const AUTHGENT_SIGNING_ALG = "ES256";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Variables the stack derives from other settings, with where to set them instead. */
const RESERVED_ENV: Readonly<Record<string, string>> = {
  AUTHGENT_ISSUER: "comes from authgent.issuer; set the issuer there",
  AUTHGENT_SIGNING_KEY: "points at the uploaded key; move the file with authgent.signingKeyPath",
  AUTHGENT_SIGNING_ALG: `is ${AUTHGENT_SIGNING_ALG}: npm run keygen and the stack's key check are for P-256 keys`,
};
const DOCKER_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** "is required: …" when absent (the stack config's formatter keeps that wording), else the type hint. */
const text = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `is required: ${what}` : `must be text: ${what}`) });
const secret = (what: string) => text(what).min(1, { error: `must not be empty: ${what}` }).transform((value) => new SecretValue(value));
const port = z
  .number({ error: "must be a port number from 1 to 65535" })
  .int({ error: "must be a port number from 1 to 65535" })
  .min(1, { error: "must be a port number from 1 to 65535" })
  .max(65_535, { error: "must be a port number from 1 to 65535" });
const absolutePath = z.string({ error: "must be an absolute path like /data" }).regex(/^\/\S*$/, { error: "must be an absolute path like /data" });
const envName = z.string().regex(ENV_NAME);
/** Record key failures otherwise read "Invalid key in record". */
const envRecordError = (issue: { code?: string }) => (issue.code === "invalid_key" ? "is not an environment variable name (like AUTHGENT_DB_DSN)" : undefined);

const tlsSchema = z.strictObject({
  proxy: z.enum(["caddy", "none"], { error: 'must be "caddy" (automatic HTTPS in front of Authgent) or "none"' }).default("caddy"),
  image: text("a Caddy image like caddy:2").min(1).default(CADDY_DEFAULT_IMAGE),
  email: z.email({ error: "must be an email address for the ACME account" }).regex(CADDYFILE_TOKEN, { error: "must be a plain email address (no quotes or spaces)" }).optional(),
  acmeCa: z
    .url({ protocol: /^https$/, error: "must be an https ACME directory URL" })
    .regex(CADDYFILE_TOKEN, { error: "must be an https ACME directory URL without spaces, quotes or braces" })
    .optional(),
});

const baseSchema = z.strictObject({
  host: text("the Docker host, ssh://user@host[:port] or tcp://host:2376").superRefine((raw, ctx) => {
    const parsed = parseDockerHost(raw);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
  }),
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
  signingKey: secret("the ES256 signing key (npm run keygen)").optional(),
  name: z.string().regex(DOCKER_NAME, { error: "must be lowercase letters, digits and '-' (at most 41 characters)" }).default("authgent"),
  image: text("an image reference like authgent/authgent@sha256:…").min(1).default(AUTHGENT_DEFAULT_IMAGE),
  port: port.default(8080),
  healthPath: absolutePath.default("/.well-known/jwks.json"),
  healthCommand: z.array(z.string(), { error: 'must be a command list like ["CMD", "/authgent", "healthcheck"]' }).min(1).optional(),
  signingKeyPath: absolutePath.default("/keys/ec-private.pem"),
  dataPath: absolutePath.default("/data"),
  env: z.record(envName, z.string({ error: "must be text (quote numbers and booleans)" }), { error: envRecordError }).default({}),
  secretEnv: z.record(envName, secret("a secret value set with pulumi config set --secret --path"), { error: envRecordError }).default({}),
  tls: tlsSchema.prefault({}),
  publishPort: port.optional(),
});

/**
 * Zod schema of the `authgent:` block, for composition into the stack
 * config. Messages are predicates ("must be …") completed by the key path.
 */
export const authgentConfigSchema: z.ZodType<AuthgentConfig, AuthgentConfigInput> = baseSchema
  .superRefine((cfg, ctx) => {
    for (const issue of crossFieldIssues(cfg)) ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
  })
  .transform((cfg) => {
    PARSED.add(cfg);
    return cfg;
  });

/** Every object `authgentConfigSchema` produced, so untyped holders can prove what they hold. */
const PARSED = new WeakSet<object>();

/** True for (only) the result of `authgentConfigSchema`; the fleet config carries the block as `unknown`. */
export function isAuthgentConfig(value: unknown): value is AuthgentConfig {
  return typeof value === "object" && value !== null && PARSED.has(value);
}

function crossFieldIssues(cfg: z.output<typeof baseSchema>): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const host = parseDockerHost(cfg.host);
  if (host.ok && host.host.kind === "ssh") {
    if (cfg.dockerTls) issues.push({ path: ["dockerTls"], message: "applies to tcp:// hosts only; ssh:// hosts authenticate with your SSH key" });
  } else if (host.ok) {
    if (cfg.sshOpts.length > 0) issues.push({ path: ["sshOpts"], message: "applies to ssh:// hosts only; remove it or use an ssh://user@host host" });
  }
  for (const [name, message] of Object.entries(RESERVED_ENV)) {
    if (name in cfg.env) issues.push({ path: ["env", name], message });
    if (name in cfg.secretEnv) issues.push({ path: ["secretEnv", name], message });
  }
  for (const name of Object.keys(cfg.secretEnv)) {
    if (name in cfg.env) issues.push({ path: ["env", name], message: "is also in authgent.secretEnv; keep it in one of the two" });
  }
  if (cfg.tls.proxy === "caddy") {
    if (cfg.publishPort !== undefined) {
      issues.push({ path: ["publishPort"], message: 'applies only with tls.proxy: none (behind Caddy, Authgent publishes no port)' });
    }
    // A malformed issuer is already reported by its own field check.
    const problem = issuerProblem(cfg.issuer) === undefined ? issuerProblemBehindCaddy(cfg.issuer) : undefined;
    if (problem) issues.push({ path: ["issuer"], message: problem });
  }
  return issues;
}

/**
 * RFC 8414 §2: a URL with no query or fragment. Canonical form is enforced
 * because `iss` is compared byte for byte (RFC 7519 §4.1.1) against what the
 * workers are given.
 */
function issuerProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `must be an absolute URL like https://auth.yourcompany.com, got "${raw}"`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `must be an https URL, got "${raw}"`;
  if (url.search || url.hash || raw.includes("?") || raw.includes("#")) return "must not contain a query or fragment (RFC 8414 §2)";
  if (url.username || url.password) return "must not contain credentials";
  // The seed and the workers build `${issuer}/.well-known/jwks.json`.
  if (raw.endsWith("/")) return `must not end with "/"; write ${raw.replace(/\/+$/, "")}`;
  const canonical = url.pathname === "/" ? url.origin : url.href;
  if (canonical !== raw) return `must be written in canonical form "${canonical}" (tokens' iss is compared byte for byte)`;
  return undefined;
}

function issuerProblemBehindCaddy(raw: string): string | undefined {
  const url = new URL(raw);
  if (url.protocol !== "https:") {
    return `must be https with tls.proxy: caddy (Caddy serves it over TLS); write https://${url.host}${url.pathname === "/" ? "" : url.pathname}, or set tls.proxy: none`;
  }
  if (url.port) return `must use the default https port behind Caddy; remove ":${url.port}"`;
  const ip = /^[\d.]+$/.test(url.hostname) || url.hostname.startsWith("[");
  if (ip || !url.hostname.includes(".") || url.hostname === "localhost") {
    return `needs a public DNS name for Caddy's automatic certificate, got "${url.hostname}"`;
  }
  return undefined;
}
