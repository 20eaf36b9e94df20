/**
 * Where authgent-server keeps its state (clients, consents, refresh tokens
 * and its own signing keys, encrypted with the secret key): its
 * `AUTHGENT_DATABASE_URL` (config.py `Settings.database_url`), an SQLAlchemy
 * async URL. db.py creates the engine straight from it. Two forms work with
 * 0.3.4: aiosqlite (always installed) and psycopg 3 with the session in UTC
 * (the image installs `psycopg[binary]`); why asyncpg does not, and why UTC,
 * is in ./postgres-url.ts and pinned by test/interop/authgent-postgres-driver.test.ts.
 */
import { MISSING_SECRET_PREFIX } from "./required-secrets.ts";
import { SECURE_PLACEHOLDER } from "../secret-value.ts";
import { AUTHGENT_POSTGRES_URL_FORM, authgentPostgresUrl, hasUtcSessionOption } from "./postgres-url.ts";

/** The two URL forms the server accepts, as error messages show them. */
export const DATABASE_URL_FORMS = {
  postgres: AUTHGENT_POSTGRES_URL_FORM,
  sqlite: "sqlite+aiosqlite:////absolute/path/authgent.db",
} as const;

/** User, database and port of the Postgres container (`database.type: postgres`). */
export const POSTGRES = { user: "authgent", database: "authgent", port: 5432, dataPath: "/var/lib/postgresql/data" } as const;
/** Upstream's docker-compose.yml runs `postgres:16-alpine`; pin a digest for production. */
export const POSTGRES_DEFAULT_IMAGE = "postgres:16-alpine";
/** SQLite file name on the data volume. */
export const SQLITE_FILE = "authgent.db";

/** SQLAlchemy URL of an absolute SQLite path: three slashes, then the path's own. */
export function sqliteUrl(dataPath: string): string {
  return `sqlite+aiosqlite:///${dataPath.replace(/\/+$/, "")}/${SQLITE_FILE}`;
}

/** URL of the stack's Postgres container on the private network; the password is percent-encoded (RFC 3986 userinfo). */
export function postgresUrl(host: string, password: string): string {
  return authgentPostgresUrl({ host, port: POSTGRES.port, database: POSTGRES.database, user: POSTGRES.user, password });
}

/**
 * Why `url` cannot be an `AUTHGENT_DATABASE_URL`, or `undefined` when it can.
 * The URL is a secret (it carries the password): messages name its scheme
 * and the right form, never the URL.
 */
export function databaseUrlProblem(url: string): string | undefined {
  // Encrypted values the offline plan cannot read, and unset ones, are reported elsewhere.
  if (url === SECURE_PLACEHOLDER || url.startsWith(MISSING_SECRET_PREFIX)) return undefined;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  const forms = `write ${DATABASE_URL_FORMS.postgres} or ${DATABASE_URL_FORMS.sqlite}`;
  if (scheme === undefined) return `must be an SQLAlchemy async URL; ${forms}`;
  switch (scheme) {
    case "postgresql+psycopg":
      return postgresProblem(url);
    case "postgresql+asyncpg":
      // Upstream's own [postgres] extra, but 0.3.4 cannot write a row through it (./postgres-url.ts).
      return `uses postgresql+asyncpg://, which authgent-server 0.3.4 cannot write through (asyncpg refuses its timezone-aware timestamps: the first start fails storing its signing key); write ${DATABASE_URL_FORMS.postgres}`;
    case "sqlite+aiosqlite":
      return url.startsWith("sqlite+aiosqlite:////") ? undefined : `must name an absolute file path: ${DATABASE_URL_FORMS.sqlite} (four slashes)`;
    case "postgres":
    case "postgresql":
    case "postgresql+psycopg2":
      // SQLAlchemy's default for these is psycopg2, a sync driver the image lacks; create_async_engine refuses it at startup.
      return `uses ${scheme}://, which authgent-server cannot open (it needs the async-capable driver psycopg 3); write ${DATABASE_URL_FORMS.postgres}`;
    case "sqlite":
      return `uses sqlite://, which authgent-server cannot open (it needs the async driver aiosqlite); write ${DATABASE_URL_FORMS.sqlite}`;
    default:
      return `uses ${scheme}://, which authgent-server does not support; ${forms}`;
  }
}

function postgresProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `is not a valid URL; write ${DATABASE_URL_FORMS.postgres} (percent-encode special characters in the password)`;
  }
  if (!url.hostname) return `names no host; write ${DATABASE_URL_FORMS.postgres}`;
  if (url.pathname.length <= 1) return `names no database; write ${DATABASE_URL_FORMS.postgres}`;
  if (!hasUtcSessionOption(url)) {
    return `must run its sessions in UTC: add options=-c%20TimeZone%3DUTC to the query (authgent-server stores UTC times in columns without a time zone, which PostgreSQL converts to the session's zone); write ${DATABASE_URL_FORMS.postgres}`;
  }
  return undefined;
}
