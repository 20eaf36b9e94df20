/**
 * The one place `npm run verify` talks HTTP: bounded time, bounded size, and
 * failures described by status and content type only (upstream bodies can
 * echo anything, so they never reach the report).
 */

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** fetch implementation (tests and the CLI pass the global one). */
  readonly fetch: FetchLike;
  /** Per-request timeout, milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** Largest JSON body accepted, bytes. @default 1048576 (1 MiB) */
  readonly maxBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 1024 * 1024;

export type JsonFetch =
  | { readonly ok: true; readonly status: number; readonly json: unknown; readonly response: Response }
  | { readonly ok: false; readonly reason: string; readonly status?: number };

/** Sends one request; resolves to the response or a one-line reason it could not be made. */
export async function send(
  url: string | URL,
  init: RequestInit,
  options: HttpOptions,
): Promise<{ ok: true; response: Response } | { ok: false; reason: string }> {
  try {
    const response = await options.fetch(url, {
      redirect: "manual",
      ...init,
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    return { ok: true, response };
  } catch (err) {
    return { ok: false, reason: describeNetworkError(err, options.timeoutMs ?? DEFAULT_TIMEOUT_MS) };
  }
}

/** GETs a JSON document; anything but a 200 `application/json`-ish object is a failure with a reason. */
export async function getJson(url: string | URL, options: HttpOptions, headers: Record<string, string> = {}): Promise<JsonFetch> {
  const sent = await send(url, { headers: { accept: "application/json", ...headers } }, options);
  if (!sent.ok) return { ok: false, reason: sent.reason };
  const { response } = sent;
  if (response.status !== 200) {
    await response.body?.cancel();
    const where = response.status >= 300 && response.status < 400 ? ` (redirect to ${response.headers.get("location") ?? "?"})` : "";
    return { ok: false, status: response.status, reason: `HTTP ${response.status}${where}` };
  }
  const type = response.headers.get("content-type") ?? "";
  if (!/\bjson\b/i.test(type)) {
    await response.body?.cancel();
    return { ok: false, status: 200, reason: `expected JSON, got content-type "${type || "none"}"` };
  }
  const text = await readLimited(response, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (text === undefined) return { ok: false, status: 200, reason: `body larger than ${options.maxBytes ?? DEFAULT_MAX_BYTES} bytes` };
  try {
    return { ok: true, status: 200, json: JSON.parse(text) as unknown, response };
  } catch {
    return { ok: false, status: 200, reason: "body is not valid JSON" };
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return `no response within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : undefined;
  return `request failed${code ? ` (${code})` : ""}: ${cause instanceof Error ? cause.message : String(cause)}`;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https everywhere; http only on loopback (the worker applies the same rule to its own config). */
export function isSecureUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
  } catch {
    return false;
  }
}
