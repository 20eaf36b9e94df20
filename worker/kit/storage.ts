import type { AgentClient } from "../agent/agent-client.ts";
import type { DataEntry, WriteOutcome } from "../agent/rpc-types.ts";

/**
 * The caller's own key-value storage: SQLite in their Durable Object, which
 * only their verified `principalKey` addresses. Every call counts against
 * the exact per-user rate limit (RATE_LIMIT_PER_MINUTE) and may throw the
 * typed rate-limit error, which becomes 429 + Retry-After.
 */
export interface UserStorage {
  /** Every entry, ordered by key. */
  list(): Promise<DataEntry[]>;
  /**
   * Stores `value` under `key` (at most MAX_KEY_LENGTH code points, MAX_VALUE_BYTES
   * of UTF-8, MAX_KEYS_PER_USER keys); `stored: false` says which limit refused it.
   */
  put(key: string, value: string): Promise<WriteOutcome>;
}

export function userStorage(agent: AgentClient): UserStorage {
  return {
    list: () => agent.readData(),
    put: (key, value) => agent.writeData(key, value),
  };
}
