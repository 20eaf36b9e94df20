/**
 * Request-scoped notifications (`notifications/progress`, MCP "Progress";
 * `notifications/message`, MCP "Logging") on the response of the request
 * they belong to. Only when the client accepts `text/event-stream`: then the
 * response becomes an SSE stream at the first notification (`handler.ts`);
 * a request that emits none is answered with plain JSON, so the hot path
 * never streams.
 */
import type { LoggingLevel, ProgressToken } from "@modelcontextprotocol/sdk/types.js";

/** RFC 5424 severities in MCP order, least severe first. */
export const LOG_LEVELS: readonly LoggingLevel[] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

export function isLogLevel(value: unknown): value is LoggingLevel {
  return (LOG_LEVELS as readonly unknown[]).includes(value);
}

export interface NotificationMessage {
  readonly jsonrpc: "2.0";
  readonly method: string;
  readonly params: Record<string, unknown>;
}

export class Notifier {
  readonly #queue: NotificationMessage[] = [];
  readonly #progressToken: ProgressToken | undefined;
  readonly #minLevel: number;
  #listener: ((message: NotificationMessage) => void) | undefined;
  #closed = false;
  #first: (() => void) | undefined;
  /** Settles at the first notification sent. */
  readonly first: Promise<void>;

  /**
   * @param streaming the client accepts text/event-stream
   * @param progressToken the request's `_meta.progressToken`, if any
   * @param logLevel the least severe level the client wants; undefined sends no log messages
   */
  constructor(
    readonly streaming: boolean,
    progressToken: ProgressToken | undefined,
    logLevel: LoggingLevel | undefined,
  ) {
    this.#progressToken = progressToken;
    this.#minLevel = logLevel === undefined ? Infinity : LOG_LEVELS.indexOf(logLevel);
    this.first = new Promise((resolve) => (this.#first = resolve));
  }

  /** False when nothing could ever be sent (no stream, or no progress token and no log level): no race needed. */
  get canEmit(): boolean {
    return this.streaming && (this.#progressToken !== undefined || this.#minLevel !== Infinity);
  }

  progress(progress: number, total?: number, message?: string): void {
    if (this.#progressToken === undefined || !Number.isFinite(progress)) return;
    this.#emit("notifications/progress", {
      progressToken: this.#progressToken,
      progress,
      ...(total !== undefined ? { total } : {}),
      ...(message !== undefined ? { message } : {}),
    });
  }

  log(level: LoggingLevel, data: unknown): void {
    if (LOG_LEVELS.indexOf(level) < this.#minLevel) return;
    this.#emit("notifications/message", { level, data });
  }

  /** Takes the notifications sent so far and receives every later one. */
  drainTo(listener: (message: NotificationMessage) => void): void {
    for (const message of this.#queue.splice(0)) listener(message);
    this.#listener = listener;
  }

  /** No notification after the final response (MCP: the response ends the stream). */
  close(): void {
    this.#closed = true;
    this.#listener = undefined;
  }

  #emit(method: string, params: Record<string, unknown>): void {
    if (!this.streaming || this.#closed) return;
    const message: NotificationMessage = { jsonrpc: "2.0", method, params };
    if (this.#listener) this.#listener(message);
    else this.#queue.push(message);
    this.#first?.();
  }
}

/**
 * The log level a 2025 client chose with `logging/setLevel`, per user and
 * isolate (the server keeps no other per-connection state; best effort, as
 * 2025 clients re-send it after reconnecting).
 */
export class LogLevels {
  readonly #levels = new Map<string, LoggingLevel>();
  static readonly MAX_ENTRIES = 10_000;

  get(owner: string): LoggingLevel | undefined {
    return this.#levels.get(owner);
  }

  set(owner: string, level: LoggingLevel): void {
    this.#levels.delete(owner);
    if (this.#levels.size >= LogLevels.MAX_ENTRIES) {
      const oldest = this.#levels.keys().next();
      if (!oldest.done) this.#levels.delete(oldest.value);
    }
    this.#levels.set(owner, level);
  }
}
