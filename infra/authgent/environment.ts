/**
 * The Authgent container's environment: each typed setting of the
 * `authgent:` block as the authgent-server setting it feeds (config.py
 * `Settings`, pydantic-settings with env prefix `AUTHGENT_`; list settings
 * are read from the environment as JSON), then `env:` and `secretEnv:`.
 */
import * as pulumi from "@pulumi/pulumi";
import { SecretValue } from "../secret-value.ts";
import type { AuthgentConfig } from "./config.ts";
import { postgresUrl, sqliteUrl } from "./database.ts";
import { isMissingSecretPlaceholder } from "./required-secrets.ts";

/** One variable; a `SecretValue` stays secret all the way into the provider. */
export interface EnvEntry {
  readonly name: string;
  readonly value: string | SecretValue;
}

/** Host name of the Postgres container on the stack's private network. */
export function postgresHost(config: AuthgentConfig): string {
  return `${config.name}-postgres`;
}

/** Every variable, sorted by name so unchanged config yields identical inputs. */
export function authgentEnvironment(config: AuthgentConfig, scopes: readonly string[]): EnvEntry[] {
  const typed: Record<string, string | SecretValue | undefined> = {
    // Settings.server_url: every token's `iss` and the metadata issuer.
    AUTHGENT_SERVER_URL: config.issuer,
    // Settings.secret_key: unset, it is random per process (config.py default_factory), and the
    // signing keys stored under the previous one cannot be decrypted after a restart.
    AUTHGENT_SECRET_KEY: config.secretKey,
    // Settings.database_url (db.py create_async_engine).
    AUTHGENT_DATABASE_URL: databaseUrl(config),
    // Settings.registration_policy / registration_token (endpoints/register.py, RFC 7591 §3).
    AUTHGENT_REGISTRATION_POLICY: config.registration.policy,
    AUTHGENT_REGISTRATION_TOKEN: config.registration.token,
    // Settings.consent_mode (endpoints/authorize.py).
    AUTHGENT_CONSENT_MODE: config.consentMode,
    // Settings.require_dpop (RFC 9449).
    AUTHGENT_REQUIRE_DPOP: String(config.requireDpop),
    // Settings.cors_origins: a list, so JSON.
    AUTHGENT_CORS_ORIGINS: JSON.stringify(config.corsOrigins),
    // Settings.scopes_supported: the RFC 8414 `scopes_supported` clients pick scopes from.
    AUTHGENT_SCOPES_SUPPORTED: JSON.stringify([...new Set(scopes)].sort()),
  };
  const merged: Record<string, string | SecretValue> = {};
  for (const [name, value] of Object.entries(typed)) if (value !== undefined) merged[name] = value;
  // Reserved names are refused by validation, so these never override a typed setting.
  Object.assign(merged, config.env, config.secretEnv);
  return Object.keys(merged)
    .sort()
    .map((name) => ({ name, value: merged[name] as string | SecretValue }));
}

function databaseUrl(config: AuthgentConfig): string | SecretValue | undefined {
  const database = config.database;
  switch (database.type) {
    case "sqlite":
      return sqliteUrl(config.dataPath);
    case "postgres": {
      const password = database.password;
      if (password === undefined) return undefined;
      const text = password.reveal();
      // Keep an unset password's placeholder readable in the offline plan.
      return isMissingSecretPlaceholder(text) ? text : new SecretValue(postgresUrl(postgresHost(config), text));
    }
    case "external":
      return database.url;
  }
}

/**
 * `NAME=value` strings for `docker.Container.envs`. Each secret is its own
 * Pulumi secret, so the plan and the policy pack still read the plain
 * settings; a required secret the offline plan found unset shows its
 * placeholder instead of "[secret]", so a reviewer sees what is missing.
 */
export function envInputs(entries: readonly EnvEntry[]): pulumi.Input<string>[] {
  return entries.map(({ name, value }) => {
    if (typeof value === "string") return `${name}=${value}`;
    const text = value.reveal();
    return isMissingSecretPlaceholder(text) ? `${name}=${text}` : pulumi.secret(`${name}=${text}`);
  });
}
