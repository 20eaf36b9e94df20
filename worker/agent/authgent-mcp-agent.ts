import { DurableObject } from "cloudflare:workers";
import type { ProofUse, ProofVerdict } from "../auth/dpop/replay-guard.ts";
import type { Env } from "../env.ts";
import { DpopProofLedger } from "./dpop-ledger.ts";
import {
  MAX_KEY_LENGTH,
  MAX_KEYS_PER_USER,
  MAX_SESSIONS_PER_USER,
  MAX_VALUE_BYTES,
  SESSION_TTL_SECONDS,
} from "./limits.ts";
import { decide, windowStart } from "./rate-window.ts";
import type { DataEntry, Limited, SessionInit, SessionRecord, WriteOutcome } from "./rpc-types.ts";
import { applySchema } from "./schema.ts";

type SessionRow = {
  id: string;
  created_at: number;
  client_id: string | null;
  client_name: string | null;
  protocol_version: string;
};
type DataRow = { key: string; value: string; updated_at: number };

/**
 * One user's state: data, MCP sessions and the exact per-user rate limit.
 *
 * The worker addresses it with `idFromName(principalKey(principal))`, so an
 * instance only ever serves one `iss|sub`. Every RPC method takes that key
 * again as `owner` and refuses a mismatch: a routing bug fails loudly instead
 * of mixing two users' data. Methods are RPC (not `fetch`): no URL routing,
 * no JSON re-encoding, typed results.
 */
export class AuthgentMCPAgent extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  readonly #dpop: DpopProofLedger;
  #owner: string | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    applySchema(this.#sql);
    this.#dpop = new DpopProofLedger(this.#sql);
  }

  /**
   * Records DPoP proofs of this user's tokens, in order, one verdict each
   * (RFC 9449 §11.1 replay check across isolates; `dpop-ledger.ts`). One
   * synchronous block, so the batch commits as one write. Not counted against
   * the exact limit: it runs on every DPoP request, which the edge limiter meters.
   */
  recordDpopProofs(owner: string, uses: readonly ProofUse[]): ProofVerdict[] {
    this.#assertOwner(owner);
    const now = Date.now() / 1000;
    return uses.map((use) => this.#dpop.record(use, now));
  }

  /** Starts a session (MCP `initialize`). Counts against the exact limit. */
  createSession(owner: string, limitPerMinute: number, init: SessionInit): Limited<{ sessionId: string }> {
    return this.#limited(owner, limitPerMinute, () => {
      const now = Date.now();
      this.#sql.exec("DELETE FROM sessions WHERE created_at <= ?", now - SESSION_TTL_SECONDS * 1000);
      const { n } = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM sessions").one();
      if (n >= MAX_SESSIONS_PER_USER) {
        this.#sql.exec(
          "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions ORDER BY created_at, id LIMIT ?)",
          n - MAX_SESSIONS_PER_USER + 1,
        );
      }
      // MCP "Session Management": globally unique and cryptographically secure.
      const sessionId = crypto.randomUUID();
      this.#sql.exec(
        "INSERT INTO sessions (id, created_at, client_id, client_name, protocol_version) VALUES (?, ?, ?, ?, ?)",
        sessionId,
        now,
        init.clientId,
        init.clientName,
        init.protocolVersion,
      );
      return { sessionId };
    });
  }

  /**
   * A live session of this user, or null. Not rate-limited: the worker only
   * asks on a cache miss, after the edge rate limiter admitted the request.
   */
  getSession(owner: string, sessionId: string): SessionRecord | null {
    this.#assertOwner(owner);
    const row = this.#sql.exec<SessionRow>("SELECT * FROM sessions WHERE id = ?", sessionId).toArray()[0];
    if (!row) return null;
    if (row.created_at <= Date.now() - SESSION_TTL_SECONDS * 1000) {
      this.#sql.exec("DELETE FROM sessions WHERE id = ?", sessionId);
      return null;
    }
    return {
      id: row.id,
      createdAt: row.created_at,
      clientId: row.client_id,
      clientName: row.client_name,
      protocolVersion: row.protocol_version,
    };
  }

  /** Ends a session (DELETE /mcp); false when there was none. */
  deleteSession(owner: string, limitPerMinute: number, sessionId: string): Limited<boolean> {
    return this.#limited(owner, limitPerMinute, () => this.#sql.exec("DELETE FROM sessions WHERE id = ?", sessionId).rowsWritten > 0);
  }

  readData(owner: string, limitPerMinute: number): Limited<DataEntry[]> {
    return this.#limited(owner, limitPerMinute, () =>
      this.#sql
        .exec<DataRow>("SELECT key, value, updated_at FROM data ORDER BY key")
        .toArray()
        .map((row) => ({ key: row.key, value: row.value, updatedAt: row.updated_at })),
    );
  }

  /** Stores `value` under `key`; the limits hold here whatever the caller checked. */
  writeData(owner: string, limitPerMinute: number, key: string, value: string): Limited<WriteOutcome> {
    return this.#limited(owner, limitPerMinute, (): WriteOutcome => {
      // Code points, as write_data's JSON Schema maxLength counts (2020-12 §6.3): UTF-16 units made 100 emoji fail here after passing there.
      const keyLength = [...key].length;
      if (keyLength === 0 || keyLength > MAX_KEY_LENGTH) {
        return { stored: false, reason: `key must be 1 to ${MAX_KEY_LENGTH} characters` };
      }
      if (new TextEncoder().encode(value).byteLength > MAX_VALUE_BYTES) {
        return { stored: false, reason: `value must be at most ${MAX_VALUE_BYTES} bytes of UTF-8` };
      }
      const exists = this.#sql.exec("SELECT 1 FROM data WHERE key = ?", key).toArray().length > 0;
      if (!exists) {
        const { n } = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM data").one();
        if (n >= MAX_KEYS_PER_USER) {
          return { stored: false, reason: `at most ${MAX_KEYS_PER_USER} keys per user; overwrite an existing key` };
        }
      }
      this.#sql.exec(
        "INSERT INTO data (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        key,
        value,
        Date.now(),
      );
      return { stored: true, created: !exists };
    });
  }

  /**
   * Runs `action` if this user's exact budget (at most `limitPerMinute` calls
   * in any 60 s) allows it. The check and the action share one synchronous
   * block, so they commit together and no other call interleaves (Durable
   * Object input gate). The log holds at most `limitPerMinute` rows.
   */
  #limited<T>(owner: string, limitPerMinute: number, action: () => T): Limited<T> {
    this.#assertOwner(owner);
    const now = Date.now();
    this.#sql.exec("DELETE FROM rate_log WHERE at <= ?", windowStart(now));
    const admitted = this.#sql.exec<{ at: number }>("SELECT at FROM rate_log ORDER BY at").toArray().map((row) => row.at);
    const decision = decide(admitted, now, limitPerMinute);
    if (!decision.allowed) return { limited: true, retryAfterSeconds: decision.retryAfterSeconds };
    this.#sql.exec("INSERT INTO rate_log (at) VALUES (?)", now);
    return { limited: false, value: action() };
  }

  #assertOwner(owner: string): void {
    if (this.#owner === undefined) {
      const row = this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'owner'").toArray()[0];
      if (row) {
        this.#owner = row.value;
      } else {
        this.#sql.exec("INSERT INTO meta (key, value) VALUES ('owner', ?)", owner);
        this.#owner = owner;
      }
    }
    if (this.#owner !== owner) throw new Error("durable object addressed for a different user");
  }
}
