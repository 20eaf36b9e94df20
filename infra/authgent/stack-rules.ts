import { SECURE_PLACEHOLDER } from "../secret-value.ts";
import { configSetSecretCommand, keygenPipeCommand } from "./commands.ts";
import type { AuthgentConfig } from "./config.ts";
import { parseDockerHost } from "./docker-host.ts";
import { signingKeyProblem } from "./signing-key.ts";

/** A finding, completed by its key path: "authgent.issuer must be …". */
export interface AuthgentIssue {
  readonly path: string;
  readonly message: string;
}

/** What the rules need to know about each resolved MCP server. */
export interface ServerIssuer {
  readonly issuer: string;
}

/** Stacks whose name (or last `org/project/stack` segment) is this are held to production rules. */
export const PRODUCTION_STACK = "production";

export function isProductionStack(stack: string): boolean {
  return stack.split("/").at(-1) === PRODUCTION_STACK;
}

/**
 * Rules that need more than the block itself: the stack (production rules,
 * commands naming it) and the resolved servers (issuer wiring).
 */
export function authgentStackIssues(cfg: AuthgentConfig, servers: readonly ServerIssuer[], stack: string): AuthgentIssue[] {
  return [...issuerIssues(cfg, stack), ...secretIssues(cfg, stack), ...wiringIssues(cfg, servers)];
}

function issuerIssues(cfg: AuthgentConfig, stack: string): AuthgentIssue[] {
  if (!isProductionStack(stack) || new URL(cfg.issuer).protocol === "https:") return [];
  return [
    {
      path: "authgent.issuer",
      message: `must be an https URL in production (the seed's checklist: TLS everywhere), got "${cfg.issuer}"; use tls.proxy: caddy for automatic HTTPS, or terminate TLS in front of Authgent`,
    },
  ];
}

function secretIssues(cfg: AuthgentConfig, stack: string): AuthgentIssue[] {
  const issues: AuthgentIssue[] = [];
  if (cfg.signingKey === undefined) {
    issues.push({
      path: "authgent.signingKey",
      message: `is not set: Authgent needs its ES256 signing key. Generate one and store it encrypted (it never touches the disk): ${keygenPipeCommand(stack)}`,
    });
  } else {
    const pem = cfg.signingKey.reveal();
    // An encrypted value read without its secrets provider (offline plan) cannot be checked.
    const problem = pem === SECURE_PLACEHOLDER ? undefined : signingKeyProblem(pem);
    if (problem) issues.push({ path: "authgent.signingKey", message: problem });
  }
  const host = parseDockerHost(cfg.host);
  if (host.ok && host.host.kind === "tcp" && cfg.dockerTls === undefined) {
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
