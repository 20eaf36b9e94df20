/**
 * RFC 9449 §4.3 check 9: `htu` must match the URI of the request the proof
 * came with, "ignoring any query and fragment parts", after syntax-based
 * (RFC 3986 §6.2.2) and scheme-based (§6.2.3) normalization.
 *
 * The request's URI is `request.url`. On Cloudflare that is the URL the
 * client asked for — the custom domain or route hostname, or workers.dev —
 * because Workers run on the incoming request itself, before any origin
 * (https://developers.cloudflare.com/workers/configuration/routing/routes/,
 * https://developers.cloudflare.com/workers/runtime-apis/request/): it is
 * never an internal address, so no configured "public URL" is needed and a
 * server reached through several hostnames accepts each one's proofs.
 */

/** RFC 3986 §2.3 unreserved characters, which §6.2.2.2 says to decode. */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The comparable form of an http(s) URI: lower-case scheme and host, no
 * default port, dot segments resolved, an empty path as "/" (all done by the
 * WHATWG URL parser), unreserved percent-escapes decoded and the rest in
 * upper case (RFC 3986 §6.2.2.1/§6.2.2.2), query and fragment dropped.
 * Undefined for anything that is not an absolute http(s) URI, and for URIs
 * with userinfo (RFC 9110 §4.2.4 deprecates it; no client puts it in htu).
 */
export function normalizeHtu(raw: string): string | undefined {
  // A client sends the same htu with every proof to the same URL: parse each string once per isolate.
  if (raw.length > MAX_REMEMBERED_LENGTH) return parseHtu(raw);
  if (normalized.has(raw)) return normalized.get(raw);
  const result = parseHtu(raw);
  normalized.set(raw, result);
  if (normalized.size > NORMALIZED_ENTRIES) {
    const oldest = normalized.keys().next();
    if (!oldest.done) normalized.delete(oldest.value);
  }
  return result;
}

/** Most URI strings whose normal form one isolate remembers. */
const NORMALIZED_ENTRIES = 512;
/** Longer strings are parsed every time, so client input bounds the memory at 512 × 2 KiB. */
const MAX_REMEMBERED_LENGTH = 2048;
const normalized = new Map<string, string | undefined>();

function parseHtu(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.username !== "" || url.password !== "") return undefined;
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`;
}

function normalizePercentEncoding(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
}
