/**
 * Every Cloudflare API request the program itself makes goes through here:
 * at most `concurrency` in flight per client, and a 429 (or a 502/503/504
 * from the edge) is retried with exponential backoff, honouring
 * `Retry-After` when Cloudflare sends it.
 *
 * Cloudflare's documented global limit is 1,200 requests per five minutes
 * per user (API token), across every client of that token; a 429 carries
 * `Retry-After` in seconds (developers.cloudflare.com/fundamentals/api/reference/limits/).
 */

/** Statuses worth another try: rate limited, or the edge could not reach the API. */
const RETRYABLE = new Set([429, 502, 503, 504]);

export interface CloudflareHttpOptions {
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Attempts per request, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** First backoff when the response has no Retry-After, milliseconds; doubles per attempt. @default 500 */
  readonly baseDelayMs?: number;
  /** Longest single wait (also caps Retry-After), milliseconds. @default 60000 */
  readonly maxDelayMs?: number;
  /** Per request, milliseconds. @default 15000 */
  readonly timeoutMs?: number;
  /** Injected for tests. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Injected for tests. @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests (HTTP-date Retry-After). @default Date.now */
  readonly now?: () => number;
}

export type CloudflareFetch = (url: string, init: RequestInit) => Promise<Response>;

/** A fetch with the limits above; errors from the network propagate after the last attempt. */
export function cloudflareFetch(options: CloudflareHttpOptions = {}): CloudflareFetch {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;

  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (active < concurrency) {
      active++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  return async (url, init) => {
    for (let attempt = 1; ; attempt++) {
      await acquire();
      let response: Response;
      try {
        response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      } finally {
        release();
      }
      if (!RETRYABLE.has(response.status) || attempt >= maxAttempts) return response;
      await response.body?.cancel();
      // Waiting outside the limiter: other requests may go ahead; each honours its own 429.
      await sleep(Math.min(maxDelayMs, retryAfterMs(response.headers.get("retry-after"), now()) ?? baseDelayMs * 2 ** (attempt - 1)));
    }
  };
}

/** RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP-date. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
