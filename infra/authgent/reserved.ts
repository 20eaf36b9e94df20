/**
 * Names the `authgent:` block owns: environment variables it derives (so
 * `env:`/`secretEnv:` cannot contradict a typed setting) and settings of the
 * seed's block that no longer exist, each with what to do instead.
 */

/** authgent-server settings (config.py `Settings`, prefix AUTHGENT_) set from typed keys. */
export const RESERVED_ENV: Readonly<Record<string, string>> = {
  AUTHGENT_SERVER_URL: "comes from authgent.issuer; set the issuer there",
  AUTHGENT_SECRET_KEY: "comes from authgent.secretKey (a secret); set it there",
  AUTHGENT_DATABASE_URL: "comes from authgent.database; set type sqlite, postgres or external (url) there",
  AUTHGENT_REGISTRATION_POLICY: "comes from authgent.registration.policy",
  AUTHGENT_REGISTRATION_TOKEN: "comes from authgent.registration.token (a secret)",
  AUTHGENT_CONSENT_MODE: "comes from authgent.consentMode",
  AUTHGENT_REQUIRE_DPOP: "comes from authgent.requireDpop",
  AUTHGENT_CORS_ORIGINS: "comes from authgent.corsOrigins",
  AUTHGENT_SCOPES_SUPPORTED: "comes from the servers' scopes (every scope a worker checks is advertised)",
  AUTHGENT_HOST: "is unused: uvicorn's --host in the container command decides where the server listens",
  AUTHGENT_PORT: "is unused: uvicorn's --port in the container command decides where the server listens (8000)",
  // The seed's variables: the released server reads none of them.
  AUTHGENT_ISSUER: "is not read by authgent-server; the issuer is authgent.issuer (AUTHGENT_SERVER_URL)",
  AUTHGENT_SIGNING_KEY: "is not read by authgent-server, which generates and stores its own signing keys; remove it",
  AUTHGENT_SIGNING_ALG: "is not read by authgent-server (its setting is AUTHGENT_SIGNING_ALGORITHM, ES256); remove it",
  AUTHGENT_DB_DSN: "is not read by authgent-server; use authgent.database (AUTHGENT_DATABASE_URL)",
};

/** Keys of the seed's `authgent:` block, refused with their replacement. */
export const RETIRED_KEYS: Readonly<Record<string, string>> = {
  signingKey:
    "is no longer used: authgent-server generates its own ES256 signing keys and stores them, encrypted with authgent.secretKey, in its database. " +
    "Remove it (pulumi config rm --path authgent.signingKey) and set authgent.secretKey (npm run keygen)",
  signingKeyPath: "is no longer used: nothing is uploaded into the container any more; remove it",
  port: "is no longer used: authgent-server listens on 8000 (uvicorn --port in the container command); remove it",
  healthPath: "is no longer used: the healthcheck requests /ready in Python; remove it, or replace the whole check with healthCommand",
};

/** The seed's image, which was never published. */
export const SEED_IMAGE = /^(docker\.io\/)?authgent\/authgent(:[^@]*)?(@sha256:[0-9a-f]{64})?$/;
