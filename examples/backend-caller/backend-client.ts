/**
 * Calls the team's backend through the service binding, with the server's
 * token and a deadline, and reduces every failure to a `BackendFailure`
 * reason. Nothing the backend answers on failure (its body may echo headers,
 * the token included) and nothing of the token reaches a message or a log:
 * only the reason, the method, the path and the status do.
 */
import { readTextCapped } from "../../worker/kit/index.ts";

/** @default 5000 (5 s) */
export const DEFAULT_BACKEND_TIMEOUT_MS = 5000;
/** Bounds of BACKEND_TIMEOUT_MS, milliseconds. */
export const BACKEND_TIMEOUT_RANGE = { min: 100, max: 30_000 } as const;
/** Largest backend answer read, bytes; a bigger one is `bad_response`. 64 KiB. */
export const MAX_BACKEND_RESPONSE_BYTES = 64 * 1024;

export type BackendFailureReason =
  /** BACKEND_TOKEN is empty or missing, or BACKEND_TIMEOUT_MS is malformed: the operator's to fix. */
  | "not_configured"
  /** The backend answered 401 or 403: it does not accept this server's token. */
  | "unauthorized"
  | "not_found"
  /** No answer within the timeout. */
  | "timeout"
  /** The binding could not reach the backend, or it answered 5xx. */
  | "unavailable"
  /** An answer that is not the JSON the caller expects (or too large, or another 4xx). */
  | "bad_response";

export interface BackendFailure {
  readonly ok: false;
  readonly reason: BackendFailureReason;
  /** The backend's HTTP status, when it answered. */
  readonly status?: number;
}

export interface BackendSuccess {
  readonly ok: true;
  readonly status: number;
  readonly body: unknown;
}

export interface BackendRequest {
  readonly method: "GET" | "POST";
  /** Path and query on the backend, e.g. `/v1/people/ada`. */
  readonly path: string;
  readonly json?: unknown;
  /** The verified caller's `sub`, forwarded so the backend can apply its own per-user rules. */
  readonly subject: string;
  /** The client went away: stop waiting. */
  readonly signal?: AbortSignal;
}

export interface BackendConfig {
  readonly fetcher: Fetcher;
  readonly token: string | undefined;
  /** BACKEND_TIMEOUT_MS as configured (a string var); empty or absent means the default. */
  readonly timeoutMs: string | undefined;
}

/** The deadline in milliseconds, or undefined when the var is not an integer in range. */
export function parseTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return DEFAULT_BACKEND_TIMEOUT_MS;
  if (!/^\d+$/.test(raw.trim())) return undefined;
  const ms = Number(raw.trim());
  return ms >= BACKEND_TIMEOUT_RANGE.min && ms <= BACKEND_TIMEOUT_RANGE.max ? ms : undefined;
}

/**
 * Service bindings route on the binding, not the host: any absolute URL
 * reaches the bound Worker (https://developers.cloudflare.com/workers/runtime-apis/bindings/service-bindings/http/).
 */
const BACKEND_ORIGIN = "https://backend.internal";

export async function callBackend(config: BackendConfig, request: BackendRequest): Promise<BackendSuccess | BackendFailure> {
  const timeoutMs = parseTimeout(config.timeoutMs);
  if (!config.token || timeoutMs === undefined) return { ok: false, reason: "not_configured" };
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await config.fetcher.fetch(`${BACKEND_ORIGIN}${request.path}`, {
      method: request.method,
      headers: {
        // RFC 6750 §2.1: the backend authenticates this server by its token.
        authorization: `Bearer ${config.token}`,
        accept: "application/json",
        "x-authgent-subject": request.subject,
        ...(request.json === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
      signal,
    });
  } catch {
    // An abort or a network failure: which one is all the caller needs (the error text is the runtime's, not the backend's).
    return { ok: false, reason: timeout.aborted ? "timeout" : "unavailable" };
  }
  const { status } = response;
  if (status === 401 || status === 403) return discard(response, { ok: false, reason: "unauthorized", status });
  if (status === 404) return discard(response, { ok: false, reason: "not_found", status });
  if (status >= 500) return discard(response, { ok: false, reason: "unavailable", status });
  if (status < 200 || status >= 300) return discard(response, { ok: false, reason: "bad_response", status });
  const text = await readBounded(response, signal).catch(() => undefined);
  if (text === undefined) return { ok: false, reason: timeout.aborted ? "timeout" : "bad_response", status };
  try {
    return { ok: true, status, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: "bad_response", status };
  }
}

/** Unread bodies keep the connection busy until garbage collection; cancel them. */
async function discard(response: Response, failure: BackendFailure): Promise<BackendFailure> {
  await response.body?.cancel().catch(() => undefined);
  return failure;
}

/** The body as text, or undefined when it exceeds `MAX_BACKEND_RESPONSE_BYTES`. */
async function readBounded(response: Response, signal: AbortSignal): Promise<string | undefined> {
  return response.body ? readTextCapped(response.body, MAX_BACKEND_RESPONSE_BYTES, signal) : "";
}

/** What the model reads for each failure: what happened and who can fix it, never backend detail. */
export function failureMessage(failure: BackendFailure, what: string): string {
  switch (failure.reason) {
    case "not_configured":
      return `Could not ${what}: this server is not configured to call its backend (BACKEND_TOKEN or BACKEND_TIMEOUT_MS). Ask its operator.`;
    case "unauthorized":
      return `Could not ${what}: the backend refused this server's credentials (HTTP ${failure.status}). Ask the server's operator to check BACKEND_TOKEN.`;
    case "not_found":
      return `Could not ${what}: the backend has no such record.`;
    case "timeout":
      return `Could not ${what}: the backend did not answer in time. Try again later.`;
    case "unavailable":
      return `Could not ${what}: the backend is unavailable${failure.status ? ` (HTTP ${failure.status})` : ""}. Try again later.`;
    case "bad_response":
      return `Could not ${what}: the backend's answer was not understood${failure.status ? ` (HTTP ${failure.status})` : ""}.`;
  }
}
