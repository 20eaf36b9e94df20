/**
 * Who may use the local issuer's admin API (`/__admin/...`, which mints tokens,
 * rotates keys and switches failure modes): only a process that knows this
 * run's secret, talking to the loopback address directly.
 *
 * - A per-run random secret in the `X-Local-Issuer-Admin` header. A custom
 *   header also means no web page can send the request without a CORS
 *   preflight, which this server never approves (Fetch standard, "CORS-safelisted
 *   request-header").
 * - No `Origin`: browsers send one on every cross-origin request and on
 *   same-origin POSTs; the admin API's callers are test processes, never pages.
 * - `Host` must name the loopback address and this port: a DNS-rebinding page
 *   reaches 127.0.0.1 under its own host name (RFC 9110 §7.2).
 * - POST bodies must be `application/json` (a "simple" `text/plain` POST is
 *   what a cross-origin form can send) and parse as a JSON object: else 400.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The request header that carries the admin secret. */
export const ADMIN_SECRET_HEADER = "x-local-issuer-admin";
/** Largest admin request body, bytes. */
const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export type AdminRejection = 400 | 403 | 404 | 409 | 413 | 415;

/** A request the admin API refuses; `status` is what the caller gets. */
export class AdminRequestError extends Error {
  readonly code = "ERR_ISSUER_ADMIN_REQUEST";
  constructor(
    readonly status: AdminRejection,
    message: string,
  ) {
    super(message);
    this.name = "AdminRequestError";
  }
}

/** Throws `AdminRequestError` unless the request may use the admin API. */
export function checkAdminRequest(req: IncomingMessage, options: { readonly secret: string; readonly port: number }): void {
  const host = req.headers.host ?? "";
  const loopback = [`127.0.0.1:${options.port}`, `localhost:${options.port}`, `[::1]:${options.port}`];
  if (!loopback.includes(host.toLowerCase())) throw new AdminRequestError(403, `Host must be one of ${loopback.join(", ")}`);
  if (req.headers.origin !== undefined) throw new AdminRequestError(403, "browser requests (with an Origin header) are not accepted");
  const given = req.headers[ADMIN_SECRET_HEADER];
  if (typeof given !== "string" || !sameSecret(given, options.secret)) {
    throw new AdminRequestError(403, `missing or wrong ${ADMIN_SECRET_HEADER} header (the secret is per run: LocalIssuer.adminSecret)`);
  }
  if (req.method === "POST") {
    const type = req.headers["content-type"]?.split(";", 1)[0]?.trim().toLowerCase();
    if (type !== "application/json") throw new AdminRequestError(415, "Content-Type must be application/json");
  }
}

/** The JSON object a POST carries (`{}` for an empty body or a GET). */
export async function readAdminJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (req.method !== "POST") return {};
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_ADMIN_BODY_BYTES) throw new AdminRequestError(413, `body over ${MAX_ADMIN_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AdminRequestError(400, "body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new AdminRequestError(400, "body must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** Reads one optional field of an admin body, refusing a value of the wrong type. */
export function field<T extends "string" | "number" | "boolean" | "object">(
  body: Record<string, unknown>,
  name: string,
  type: T,
): (T extends "string" ? string : T extends "number" ? number : T extends "boolean" ? boolean : Record<string, unknown>) | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  const ok = type === "object" ? typeof value === "object" && value !== null && !Array.isArray(value) : typeof value === type;
  if (!ok) throw new AdminRequestError(400, `"${name}" must be a ${type}`);
  return value as never;
}

/** Narrows a string to one of `allowed`, else 400 naming the field. */
export function oneOf<const T extends readonly string[]>(name: string, value: string | undefined, allowed: T): T[number] | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value)) throw new AdminRequestError(400, `"${name}" must be one of ${allowed.join(", ")}`);
  return value;
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
