/**
 * `AUTHGENT_DATABASE_URL` values for Postgres that authgent-server 0.3.4 can
 * actually run on, and a form of any database URL that is safe to print.
 *
 * - Driver psycopg 3 (`postgresql+psycopg://`), not asyncpg: the server writes
 *   timezone-aware datetimes (`datetime.now(UTC)`, models/base.py) into
 *   `TIMESTAMP WITHOUT TIME ZONE` columns (`Mapped[datetime]`), which asyncpg
 *   refuses (MagicStack/asyncpg#1139), so a replica on asyncpg cannot store
 *   its first signing key and exits at startup.
 * - `options=-c TimeZone=UTC` (libpq's `options` connection parameter,
 *   passed through by SQLAlchemy's psycopg dialect): psycopg sends those
 *   datetimes as `timestamptz`, and PostgreSQL converts them to `timestamp`
 *   in the session's time zone, while the server reads them back as UTC
 *   (utils.py `ensure_utc`). In any other session zone every stored expiry is
 *   off by the zone's offset.
 */

/** The libpq `options` value every Authgent connection carries. */
export const UTC_SESSION_OPTIONS = "-c TimeZone=UTC";

/** The SQLAlchemy dialect+driver the server runs on Postgres with. */
export const AUTHGENT_POSTGRES_SCHEME = "postgresql+psycopg";

/** The URL form error messages and docs show. */
export const AUTHGENT_POSTGRES_URL_FORM = "postgresql+psycopg://user:password@host:5432/dbname?options=-c%20TimeZone%3DUTC";

export interface PostgresAddress {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Omitted for `trust` authentication. */
  readonly password?: string;
}

/** `postgresql+psycopg://user[:password]@host:port/database?options=-c%20TimeZone%3DUTC`, userinfo percent-encoded (RFC 3986 §3.2.1). */
export function authgentPostgresUrl(address: PostgresAddress): string {
  const password = address.password === undefined ? "" : `:${encodeURIComponent(address.password)}`;
  const query = new URLSearchParams({ options: UTC_SESSION_OPTIONS }).toString().replace(/\+/g, "%20");
  return `${AUTHGENT_POSTGRES_SCHEME}://${encodeURIComponent(address.user)}${password}@${address.host}:${address.port}/${encodeURIComponent(address.database)}?${query}`;
}

/**
 * `url` with any password replaced by `***`, for messages and logs. A string
 * that does not parse as a URL is replaced whole when it could hold one.
 */
export function redactDatabaseUrl(url: string): string {
  const userinfo = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^@/?#]*)@/.exec(url);
  if (!userinfo) return url;
  const [, scheme = "", info = ""] = userinfo;
  const colon = info.indexOf(":");
  if (colon === -1) return url;
  return `${scheme}${info.slice(0, colon)}:***@${url.slice(userinfo[0].length)}`;
}

/**
 * Whether a Postgres URL's `options` query parameter sets the session time
 * zone to UTC (`-c TimeZone=UTC`, or `--TimeZone=UTC`; names and value case-insensitive).
 */
export function hasUtcSessionOption(url: URL): boolean {
  const options = url.searchParams.get("options") ?? "";
  return /(?:^|\s)(?:-c\s*|--)timezone=(?:'?)(?:utc|etc\/utc)(?:'?)(?:\s|$)/i.test(options);
}
