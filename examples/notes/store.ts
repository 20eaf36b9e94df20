/**
 * One user's notes: rows in D1, single notes and the recent list cached in KV.
 *
 * Every query is scoped by `owner`, the kit's `principalKey` of the verified
 * caller (never a client-supplied value), so ids leak nothing across users: a
 * note of someone else reads exactly like a note that does not exist.
 *
 * Cache: a read that misses KV reads D1 and fills KV after the response
 * (`waitUntil`); every write deletes the note's entry and the recent list
 * before it returns. KV is eventually consistent across locations (a delete
 * can take up to 60 s to reach other locations,
 * https://developers.cloudflare.com/kv/concepts/how-kv-works/), and a read that
 * raced a write may refill an old value, so entries live at most
 * `CACHE_TTL_SECONDS`.
 */
import { cachePrefixOf } from "./cache-keys.ts";
import { NOTE_LIMITS } from "./limits.ts";

export interface Note {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601. */
  readonly updatedAt: string;
}

export type NoteSummary = Pick<Note, "id" | "title" | "updatedAt">;

/** Seconds a cached read may be served (KV's minimum `expirationTtl` is 60). @default 60 */
export const CACHE_TTL_SECONDS = 60;

/** Why a write did not happen; the tools turn each into a message the model can act on. */
export type WriteRefusal = "not_found" | "limit_reached";

export interface NotesStoreDeps {
  readonly db: D1Database;
  readonly cache: KVNamespace;
  /** The verified caller's `principalKey`. */
  readonly owner: string;
  /** Work that may finish after the response (cache fills). */
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** Injected for tests. @default Date.now */
  readonly now?: () => number;
  /** Injected for tests. @default crypto.randomUUID */
  readonly newId?: () => string;
}

interface NoteRow {
  id: string;
  title: string;
  body: string;
  created_at: number;
  updated_at: number;
}

export class NotesStore {
  readonly #db: D1Database;
  readonly #cache: KVNamespace;
  readonly #owner: string;
  readonly #waitUntil: (promise: Promise<unknown>) => void;
  readonly #now: () => number;
  readonly #newId: () => string;
  #cachePrefix: Promise<string> | undefined;

  constructor(deps: NotesStoreDeps) {
    this.#db = deps.db;
    this.#cache = deps.cache;
    this.#owner = deps.owner;
    this.#waitUntil = deps.waitUntil;
    this.#now = deps.now ?? Date.now;
    this.#newId = deps.newId ?? (() => crypto.randomUUID());
  }

  /** A new note, or `limit_reached` when the user holds `NOTE_LIMITS.notesPerUser` already. */
  async create(title: string, body: string): Promise<Note | "limit_reached"> {
    const id = this.#newId();
    const now = this.#now();
    // One statement, so two concurrent creates cannot both pass the count check.
    const result = await this.#db
      .prepare(
        `INSERT INTO notes (owner, id, title, body, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE (SELECT COUNT(*) FROM notes WHERE owner = ?1) < ?6`,
      )
      .bind(this.#owner, id, title, body, now, NOTE_LIMITS.notesPerUser)
      .run();
    if (result.meta.changes === 0) return "limit_reached";
    await this.#invalidate(id);
    return toNote({ id, title, body, created_at: now, updated_at: now });
  }

  /** Changes the given fields; `not_found` for an id this user does not hold. */
  async update(id: string, changes: { readonly title?: string | undefined; readonly body?: string | undefined }): Promise<Note | "not_found"> {
    const row = await this.#db
      .prepare(
        `UPDATE notes SET title = coalesce(?3, title), body = coalesce(?4, body), updated_at = ?5
         WHERE owner = ?1 AND id = ?2 RETURNING id, title, body, created_at, updated_at`,
      )
      .bind(this.#owner, id, changes.title ?? null, changes.body ?? null, this.#now())
      .first<NoteRow>();
    if (!row) return "not_found";
    await this.#invalidate(id);
    return toNote(row);
  }

  /** Deletes the note; `not_found` for an id this user does not hold. */
  async remove(id: string): Promise<"deleted" | "not_found"> {
    const result = await this.#db.prepare("DELETE FROM notes WHERE owner = ?1 AND id = ?2").bind(this.#owner, id).run();
    if (result.meta.changes === 0) return "not_found";
    await this.#invalidate(id);
    return "deleted";
  }

  /** One note, from the cache when it holds it. */
  async get(id: string): Promise<Note | undefined> {
    const key = await this.#cacheKey(`note/${id}`);
    const cached = await this.#cache.get<Note>(key, "json");
    if (cached) return cached;
    const row = await this.#db
      .prepare("SELECT id, title, body, created_at, updated_at FROM notes WHERE owner = ?1 AND id = ?2")
      .bind(this.#owner, id)
      .first<NoteRow>();
    if (!row) return undefined;
    const note = toNote(row);
    this.#waitUntil(this.#cache.put(key, JSON.stringify(note), { expirationTtl: CACHE_TTL_SECONDS }));
    return note;
  }

  /** The newest notes first; `query` matches title or body (case-insensitive for ASCII, as SQLite's LIKE). */
  async list(options: { readonly query?: string | undefined; readonly limit?: number | undefined } = {}): Promise<NoteSummary[]> {
    const limit = Math.min(options.limit ?? NOTE_LIMITS.listDefault, NOTE_LIMITS.listMax);
    if (options.query) {
      const pattern = `%${escapeLike(options.query)}%`;
      const { results } = await this.#db
        .prepare(
          `SELECT id, title, updated_at FROM notes WHERE owner = ?1 AND (title LIKE ?2 ESCAPE '\\' OR body LIKE ?2 ESCAPE '\\')
           ORDER BY updated_at DESC, id LIMIT ?3`,
        )
        .bind(this.#owner, pattern, limit)
        .all<Pick<NoteRow, "id" | "title" | "updated_at">>();
      return results.map(toSummary);
    }
    // The unfiltered list is what clients read most (notes://recent, list_notes without a query): cached whole.
    const recent = await this.#recent();
    return recent.slice(0, limit);
  }

  /** Up to `NOTE_LIMITS.completions` ids of this user's notes that start with `prefix`, newest first. */
  async idsStartingWith(prefix: string): Promise<string[]> {
    const { results } = await this.#db
      .prepare("SELECT id FROM notes WHERE owner = ?1 AND substr(id, 1, length(?2)) = ?2 ORDER BY updated_at DESC, id LIMIT ?3")
      .bind(this.#owner, prefix, NOTE_LIMITS.completions)
      .all<Pick<NoteRow, "id">>();
    return results.map((row) => row.id);
  }

  async #recent(): Promise<NoteSummary[]> {
    const key = await this.#cacheKey("recent");
    const cached = await this.#cache.get<NoteSummary[]>(key, "json");
    if (cached) return cached;
    const { results } = await this.#db
      .prepare("SELECT id, title, updated_at FROM notes WHERE owner = ?1 ORDER BY updated_at DESC, id LIMIT ?2")
      .bind(this.#owner, NOTE_LIMITS.listMax)
      .all<Pick<NoteRow, "id" | "title" | "updated_at">>();
    const recent = results.map(toSummary);
    this.#waitUntil(this.#cache.put(key, JSON.stringify(recent), { expirationTtl: CACHE_TTL_SECONDS }));
    return recent;
  }

  /** Awaited, so the writer's next read in this location cannot see the old entry. */
  async #invalidate(id: string): Promise<void> {
    await Promise.all([this.#cache.delete(await this.#cacheKey(`note/${id}`)), this.#cache.delete(await this.#cacheKey("recent"))]);
  }

  /** See `./cache-keys.ts`. */
  async #cacheKey(suffix: string): Promise<string> {
    this.#cachePrefix ??= cachePrefixOf(this.#owner);
    return `${await this.#cachePrefix}${suffix}`;
  }
}

function toNote(row: NoteRow): Note {
  return { id: row.id, title: row.title, body: row.body, createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString() };
}

function toSummary(row: Pick<NoteRow, "id" | "title" | "updated_at">): NoteSummary {
  return { id: row.id, title: row.title, updatedAt: new Date(row.updated_at).toISOString() };
}

/** SQLite LIKE with `ESCAPE '\'`: the query's own % and _ match literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
