/** Bounds of the notes server, enforced by the tool schemas and the store. */
export const NOTE_LIMITS = {
  /** Longest title, Unicode code points (as JSON Schema `maxLength` counts). */
  titleMax: 120,
  /** Longest body, Unicode code points. 8,000 code points are at most 32 KB of UTF-8, far below D1's row limit. */
  bodyMax: 8000,
  /** Most notes one user may hold; create_note refuses the next one. */
  notesPerUser: 500,
  /** Longest search query, code points. */
  queryMax: 100,
  /** Summaries list_notes returns when the caller gives no limit. */
  listDefault: 20,
  /** Most summaries one list returns (list_notes, notes://recent). */
  listMax: 100,
  /** Most values one completion returns (MCP "Completion" allows 100). */
  completions: 100,
  /** Most notes the summarize prompt embeds. */
  promptNotes: 10,
} as const;

/** Note ids are UUIDs the server generates (`crypto.randomUUID()`), lower-case hex. */
export const NOTE_ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/** The scopes this server's entries require (its RFC 9728 `scopes_supported`). */
export const NOTE_SCOPES = { read: "notes:read", write: "notes:write" } as const;
