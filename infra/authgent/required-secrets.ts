/**
 * Secrets the `authgent:` block cannot deploy without, and the command that
 * sets each one. Pulumi (`preview`/`up`) refuses a stack that lacks one; the
 * offline readers (`npm run plan`, `npm start --stack`, the fork-PR plan)
 * substitute a visible placeholder and warn instead, so the committed stack
 * files render before an operator has stored anything.
 */
import { configSetSecretCommand, keygenPipeCommand } from "./commands.ts";
import { AUTHGENT_POSTGRES_URL_FORM } from "./postgres-url.ts";

/** Every placeholder starts with this; nothing real does (see `missingSecretPlaceholder`). */
export const MISSING_SECRET_PREFIX = "[not set: ";

/** What the offline plan shows (unencrypted, on purpose) where a required secret is missing. */
export function missingSecretPlaceholder(path: string): string {
  return `${MISSING_SECRET_PREFIX}${path}]`;
}

export function isMissingSecretPlaceholder(value: string): boolean {
  return value.startsWith(MISSING_SECRET_PREFIX);
}

/** A required secret, by config path, with the command that stores it. */
export interface RequiredSecret {
  readonly path: string;
  /** What it is, completing "is not set: …". */
  readonly purpose: string;
  readonly command: string;
}

/** What each required secret is and the command that stores it. */
export function describeRequiredSecret(path: RequiredSecretPath, stack: string): RequiredSecret {
  switch (path) {
    case "authgent.secretKey":
      return {
        path,
        purpose:
          "authgent-server encrypts the signing keys it stores with it (AUTHGENT_SECRET_KEY); unset, it is random per process and /token fails after a restart",
        command: keygenPipeCommand(stack, path),
      };
    case "authgent.database.password":
      return { path, purpose: "the Postgres container's password", command: keygenPipeCommand(stack, path) };
    case "authgent.database.url":
      return {
        path,
        purpose: `the external database's URL (it carries a password), ${AUTHGENT_POSTGRES_URL_FORM}`,
        command: `${configSetSecretCommand(path, stack)} (it prompts for the URL)`,
      };
    case "authgent.registration.token":
      return {
        path,
        purpose: "the RFC 7591 initial access token clients present to /register (AUTHGENT_REGISTRATION_TOKEN)",
        command: keygenPipeCommand(stack, path),
      };
  }
}

export type RequiredSecretPath = "authgent.secretKey" | "authgent.database.password" | "authgent.database.url" | "authgent.registration.token";

/**
 * The paths of the secrets a block needs given its other settings, each
 * with its current value (`undefined` when absent). Works on the raw block
 * (offline readers, before validation) and on a parsed one alike.
 */
export function requiredSecrets(block: unknown): { path: RequiredSecretPath; value: unknown }[] {
  if (!isRecord(block)) return [];
  const required: { path: RequiredSecretPath; value: unknown }[] = [{ path: "authgent.secretKey", value: block["secretKey"] }];
  const database = block["database"];
  if (isRecord(database) && database["type"] === "postgres") required.push({ path: "authgent.database.password", value: database["password"] });
  if (isRecord(database) && database["type"] === "external") required.push({ path: "authgent.database.url", value: database["url"] });
  const registration = block["registration"];
  if (isRecord(registration) && registration["policy"] === "token") required.push({ path: "authgent.registration.token", value: registration["token"] });
  return required;
}

/** The required secrets of a raw (unparsed) `authgent:` block that are absent. */
export function missingRequiredSecrets(block: unknown, stack: string): RequiredSecret[] {
  return requiredSecrets(block)
    .filter((secret) => secret.value === undefined)
    .map((secret) => describeRequiredSecret(secret.path, stack));
}

/** The block with each missing required secret set to its placeholder (for the offline readers only). */
export function withMissingSecretPlaceholders(block: unknown, stack: string): unknown {
  if (!isRecord(block)) return block;
  const out: Record<string, unknown> = { ...block };
  for (const { path } of missingRequiredSecrets(block, stack)) {
    const keys = path.split(".").slice(1);
    let node = out;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      node[key] = isRecord(next) ? { ...next } : {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1) ?? ""] = missingSecretPlaceholder(path);
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
