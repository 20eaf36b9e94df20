/** Per-user storage limits the Durable Object enforces, whatever the caller validated. */

/** Longest data key, Unicode code points (as JSON Schema `maxLength` counts). */
export const MAX_KEY_LENGTH = 128;
/** Largest stored value, bytes of UTF-8. 8 KiB. */
export const MAX_VALUE_BYTES = 8 * 1024;
/** Most keys one user may hold; overwriting an existing key is always allowed. */
export const MAX_KEYS_PER_USER = 100;
/** Most live sessions per user; creating one more ends the oldest. */
export const MAX_SESSIONS_PER_USER = 50;
/**
 * Session lifetime from creation, seconds (24 h). An ended session answers
 * 404 and MCP clients then re-initialize (MCP "Session Management" §4).
 */
export const SESSION_TTL_SECONDS = 24 * 60 * 60;
/** Length of the exact rate-limit window, milliseconds (RATE_LIMIT_PER_MINUTE). */
export const RATE_WINDOW_MS = 60_000;
