/** Values crossing the worker → Durable Object RPC boundary (structured-clonable only). */

/** Every state-touching call first consumes one request of the user's exact limit. */
export type Limited<T> =
  | { readonly limited: false; readonly value: T }
  | { readonly limited: true; readonly retryAfterSeconds: number };

export interface SessionInit {
  /** `client_id` of the token that initialized the session, if any. */
  readonly clientId: string | null;
  /** `clientInfo.name` from `initialize`, if any. */
  readonly clientName: string | null;
  readonly protocolVersion: string;
}

export interface SessionRecord extends SessionInit {
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

export interface DataEntry {
  readonly key: string;
  readonly value: string;
  /** Milliseconds since the epoch. */
  readonly updatedAt: number;
}

export type WriteOutcome =
  | { readonly stored: true; readonly created: boolean }
  | { readonly stored: false; readonly reason: string };
