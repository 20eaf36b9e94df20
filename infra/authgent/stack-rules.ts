import { SECURE_PLACEHOLDER, SecretValue } from "../secret-value.ts";
import { configSetSecretCommand } from "./commands.ts";
import type { AuthgentConfig } from "./config.ts";
import { parseDockerHost } from "./docker-host.ts";
import { describeRequiredSecret, isMissingSecretPlaceholder, requiredSecrets } from "./required-secrets.ts";

/** A finding, completed by its key path: "authgent.issuer must be …". */
export interface AuthgentIssue {
  readonly path: string;
  readonly message: string;
}

/** What the rules need to know about each resolved MCP server. */
export interface ServerIssuer {
  readonly issuer: string;
  /** The worker vars it deploys with; MAX_TOKEN_LIFETIME bounds the token lifetimes Authgent may issue. */
  readonly vars?: { readonly MAX_TOKEN_LIFETIME?: string };
}

/**
 * authgent-server's access-token lifetimes, seconds (config.py `Settings`,
 * used by services/token_service.py): client credentials and authorization
 * code fall back to `access_token_ttl` (default 900), token exchange has its own.
 */
const TOKEN_TTL_SETTINGS = ["AUTHGENT_ACCESS_TOKEN_TTL", "AUTHGENT_CLIENT_CREDENTIALS_TTL", "AUTHGENT_AUTH_CODE_ACCESS_TTL", "AUTHGENT_EXCHANGE_TOKEN_TTL"] as const;

/** Stacks whose name (or last `org/project/stack` segment) is this are held to production rules. */
export const PRODUCTION_STACK = "production";

/** Shortest accepted secret key; `npm run keygen` makes 64 hex characters (256 bits), like the server's own default. */
export const SECRET_KEY_MIN_LENGTH = 32;

export function isProductionStack(stack: string): boolean {
  return stack.split("/").at(-1) === PRODUCTION_STACK;
}

/**
 * Rules that need more than the block itself: the stack (production rules,
 * commands naming it) and the resolved servers (issuer wiring). Errors stop
 * every reader; see `authgentStackWarnings` for what only warns.
 */
export function authgentStackIssues(cfg: AuthgentConfig, servers: readonly ServerIssuer[], stack: string): AuthgentIssue[] {
  return [...issuerIssues(cfg, stack), ...secretIssues(cfg, stack), ...wiringIssues(cfg, servers), ...lifetimeIssues(cfg, servers)];
}

/**
 * Required secrets the offline readers found unset and replaced with a
 * placeholder: the plan renders, and says which command stores each one.
 * Pulumi itself never substitutes them, so `preview`/`up` fail instead.
 */
export function authgentStackWarnings(cfg: AuthgentConfig, stack: string): AuthgentIssue[] {
  return requiredSecrets(cfg)
    .filter(({ value }) => value instanceof SecretValue && isMissingSecretPlaceholder(value.reveal()))
    .map(({ path }) => {
      const secret = describeRequiredSecret(path, stack);
      return { path, message: `is not set (shown as a placeholder; pulumi preview and up refuse until it is): ${secret.purpose}. Set it with: ${secret.command}` };
    });
}

function issuerIssues(cfg: AuthgentConfig, stack: string): AuthgentIssue[] {
  if (!isProductionStack(stack) || new URL(cfg.issuer).protocol === "https:") return [];
  return [{ path: "authgent.issuer", message: `must be an https URL in production (the seed's checklist: TLS everywhere), got "${cfg.issuer}"` }];
}

function secretIssues(cfg: AuthgentConfig, stack: string): AuthgentIssue[] {
  const issues: AuthgentIssue[] = [];
  for (const { path, value } of requiredSecrets(cfg)) {
    if (value !== undefined) continue;
    const secret = describeRequiredSecret(path, stack);
    issues.push({ path, message: `is not set: ${secret.purpose}. Set it with: ${secret.command}` });
  }
  const key = cfg.secretKey?.reveal();
  // An encrypted value read without its secrets provider (offline plan) cannot be checked.
  if (key !== undefined && key !== SECURE_PLACEHOLDER && !isMissingSecretPlaceholder(key)) {
    if (key.trim() !== key) issues.push({ path: "authgent.secretKey", message: "must not start or end with whitespace (a trailing newline?); store it again with npm run keygen" });
    else if (key.length < SECRET_KEY_MIN_LENGTH) {
      issues.push({ path: "authgent.secretKey", message: `must be at least ${SECRET_KEY_MIN_LENGTH} characters; generate one with npm run keygen` });
    }
  }
  const host = cfg.host === undefined ? undefined : parseDockerHost(cfg.host);
  if (host?.ok && host.host.kind === "tcp" && cfg.dockerTls === undefined) {
    const commands = (["ca", "cert", "key"] as const).map((part) => configSetSecretCommand(`authgent.dockerTls.${part}`, stack, `${part}.pem`));
    issues.push({
      path: "authgent.dockerTls",
      message: `is required for the tcp:// host ${host.host.hostname} (Docker's TLS socket needs the CA and a client certificate): ${commands.join(" && ")}`,
    });
  }
  return issues;
}

/**
 * When the stack deploys Authgent, its issuer is every server's issuer: a
 * worker trusting another issuer would reject every token this Authgent
 * mints (RFC 7519 §4.1.1: `iss` must match exactly) and its PRM would send
 * clients to the wrong authorization server (RFC 9728 §2
 * `authorization_servers`). A differing value is an error, not an override.
 */
function wiringIssues(cfg: AuthgentConfig, servers: readonly ServerIssuer[]): AuthgentIssue[] {
  const issues: AuthgentIssue[] = [];
  servers.forEach((server, index) => {
    if (server.issuer !== cfg.issuer) {
      issues.push({
        path: `servers[${index}].issuer`,
        message: `is "${server.issuer}" (set on the server or under defaults) but this stack deploys Authgent as "${cfg.issuer}"; remove it so the server uses the deployed issuer, or change authgent.issuer`,
      });
    }
  });
  return issues;
}

/**
 * A token lifetime set through `env` that a worker would refuse: the worker
 * rejects tokens whose `exp − iat` exceeds its MAX_TOKEN_LIFETIME, so every
 * token of that kind would fail at every server.
 */
function lifetimeIssues(cfg: AuthgentConfig, servers: readonly ServerIssuer[]): AuthgentIssue[] {
  const issues: AuthgentIssue[] = [];
  for (const name of TOKEN_TTL_SETTINGS) {
    const raw = cfg.env[name];
    if (raw === undefined) continue;
    const seconds = Number(raw);
    if (!/^\d+$/.test(raw) || seconds < 1) {
      issues.push({ path: `authgent.env.${name}`, message: `must be a whole number of seconds, got "${raw}"` });
      continue;
    }
    servers.forEach((server, index) => {
      const max = Number(server.vars?.MAX_TOKEN_LIFETIME);
      if (Number.isFinite(max) && seconds > max) {
        issues.push({
          path: `authgent.env.${name}`,
          message: `is ${seconds} s, longer than servers[${index}]'s maxTokenLifetime (${max} s): the worker refuses tokens whose exp − iat exceeds it. Lower it, or raise maxTokenLifetime`,
        });
      }
    });
  }
  return issues;
}
