/**
 * MCP sessions ("Session Management", Streamable HTTP).
 *
 * `initialize` creates a session in the caller's Durable Object and returns
 * its id in `Mcp-Session-Id`. A later request that carries an id must name a
 * live session of the same user (the look-up happens in that user's object,
 * so another user's id is simply unknown) or gets 404, after which clients
 * re-initialize. Requests without an id are served: sessions are optional
 * here, and authority always comes from the bearer token checked on every
 * request, never from the session.
 *
 * Trade-off: confirmed sessions are cached per isolate for
 * SESSION_CACHE_TTL_MS so steady traffic costs no Durable Object round trip.
 * A session ended elsewhere (DELETE handled by another isolate, expiry,
 * eviction) may therefore keep working in this isolate for up to that long.
 * Because a session grants nothing, the cost of that window is only a
 * delayed 404. Unknown ids are not cached, so a new session is usable at once.
 */
import type { AgentClient } from "../agent/agent-client.ts";
import { SessionNotFoundError } from "./errors.ts";

export const SESSION_HEADER = "mcp-session-id";

/** How long a confirmed session is trusted without asking the Durable Object, ms. 30 s. */
export const SESSION_CACHE_TTL_MS = 30_000;
/** Bound on the per-isolate cache; the oldest entries go first. */
export const SESSION_CACHE_MAX_ENTRIES = 10_000;

/** Session ids this server issues (`crypto.randomUUID`); anything else cannot exist. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class SessionCache {
  readonly #entries = new Map<string, number>();
  readonly #now: () => number;

  /** @param now current time, ms since the epoch. @default Date.now */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  has(owner: string, sessionId: string): boolean {
    const key = cacheKey(owner, sessionId);
    const expires = this.#entries.get(key);
    if (expires === undefined) return false;
    if (expires > this.#now()) return true;
    this.#entries.delete(key);
    return false;
  }

  add(owner: string, sessionId: string): void {
    const key = cacheKey(owner, sessionId);
    this.#entries.delete(key);
    if (this.#entries.size >= SESSION_CACHE_MAX_ENTRIES) {
      // Map iterates in insertion order: the first key is the oldest.
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, this.#now() + SESSION_CACHE_TTL_MS);
  }

  delete(owner: string, sessionId: string): void {
    this.#entries.delete(cacheKey(owner, sessionId));
  }
}

/** Per-isolate cache shared by all requests this isolate serves. */
export const sessionCache = new SessionCache();

export function isWellFormedSessionId(sessionId: string): boolean {
  return SESSION_ID.test(sessionId);
}

/** Throws SessionNotFoundError unless `sessionId` is a live session of the agent's user. */
export async function requireSession(sessionId: string, agent: AgentClient, cache: SessionCache): Promise<void> {
  if (!isWellFormedSessionId(sessionId)) throw new SessionNotFoundError();
  if (cache.has(agent.objectName, sessionId)) return;
  if (!(await agent.sessionExists(sessionId))) throw new SessionNotFoundError();
  cache.add(agent.objectName, sessionId);
}

function cacheKey(owner: string, sessionId: string): string {
  // "\n" cannot occur in a session id, so (owner, id) pairs cannot collide.
  return `${sessionId}\n${owner}`;
}
