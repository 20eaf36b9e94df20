/**
 * The agent's SQLite schema. Statements are idempotent and run in the
 * constructor (SQLite calls are synchronous, so the schema exists before any
 * RPC method runs). To evolve it, append statements; never edit a shipped one.
 */
export const SCHEMA: readonly string[] = [
  // Whose object this is (principalKey), recorded on first use and checked on every call.
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS data (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS sessions (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     client_id TEXT,
     client_name TEXT,
     protocol_version TEXT NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS sessions_by_age ON sessions (created_at)`,
  `CREATE TABLE IF NOT EXISTS rate_window (id INTEGER PRIMARY KEY CHECK (id = 1), start INTEGER NOT NULL, count INTEGER NOT NULL)`,
  // DPoP proofs seen within their window (dpop-ledger.ts): "<jkt> <jti>" → iat + window, seconds.
  `CREATE TABLE IF NOT EXISTS dpop_proofs (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS dpop_proofs_by_expiry ON dpop_proofs (expires_at)`,
  // The exact rate limit is a sliding-window log (rate-window.ts): one row per admitted call in the last window.
  `CREATE TABLE IF NOT EXISTS rate_log (at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS rate_log_by_time ON rate_log (at)`,
  // Replaced by rate_log: the fixed window's single counter row.
  `DROP TABLE IF EXISTS rate_window`,
  // DPoP proof ids accepted in one flush interval (dpop-ledger.ts), JSON [[id, expiresAt], …]; expires_at is the latest of them.
  `CREATE TABLE IF NOT EXISTS dpop_proof_batches (expires_at INTEGER NOT NULL, ids TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS dpop_proof_batches_by_expiry ON dpop_proof_batches (expires_at)`,
];

export function applySchema(sql: SqlStorage): void {
  for (const statement of SCHEMA) sql.exec(statement);
}
