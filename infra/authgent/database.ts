/**
 * Where authgent-server keeps its state (clients, consents, refresh tokens
 * and its own signing keys, encrypted with the secret key): its
 * `AUTHGENT_DATABASE_URL` (config.py `Settings.database_url`), an SQLAlchemy
 * async URL. db.py creates the engine straight from it, so only the async
 * drivers the package ships work: aiosqlite (always) and asyncpg (the
 * `[postgres]` extra the generated image installs).
 */
import { MISSING_SECRET_PREFIX } from "./required-secrets.ts";
import { SECURE_PLACEHOLDER } from "../secret-value.ts";

/** The two URL forms the server accepts, as error messages show them. */
export const DATABASE_URL_FORMS = {
  postgres: "postgresql+asyncpg://user:password@host:5432/dbname",
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
  return `postgresql+asyncpg://${POSTGRES.user}:${encodeURIComponent(password)}@${host}:${POSTGRES.port}/${POSTGRES.database}`;
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
    case "postgresql+asyncpg":
      return postgresProblem(url);
    case "sqlite+aiosqlite":
      return url.startsWith("sqlite+aiosqlite:////") ? undefined : `must name an absolute file path: ${DATABASE_URL_FORMS.sqlite} (four slashes)`;
    case "postgres":
    case "postgresql":
    case "postgresql+psycopg2":
    case "postgresql+psycopg":
      // A sync driver is not installed; create_async_engine refuses it at startup.
      return `uses ${scheme}://, which authgent-server cannot open (it needs the async driver asyncpg); write ${DATABASE_URL_FORMS.postgres}`;
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
  return undefined;
}
