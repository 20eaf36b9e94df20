/**
 * Rules for `authgent.issuer`: it becomes authgent-server's
 * `AUTHGENT_SERVER_URL` (config.py `Settings.server_url`), which the server
 * uses verbatim as every token's `iss` and the metadata `issuer`
 * (endpoints/wellknown.py: `base = settings.server_url.rstrip("/")`), and
 * every worker's `AUTHGENT_ISSUER`. Messages are predicates completed by the
 * key path ("authgent.issuer must …").
 */

/** Hosts where a plain-http issuer is acceptable (a local run; the workers allow the same). */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function issuerProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `must be an absolute URL like https://auth.yourcompany.com, got "${raw}"`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `must be an https URL, got "${raw}"`;
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    return `must be https (http is accepted for localhost only: tokens and metadata travel over TLS), got "${raw}"; write https://${url.host}`;
  }
  if (url.search || url.hash || raw.includes("?") || raw.includes("#")) return "must not contain a query or fragment (RFC 8414 §2)";
  if (url.username || url.password) return "must not contain credentials";
  if (raw.endsWith("/")) return `must not end with "/"; write ${raw.replace(/\/+$/, "")}`;
  // authgent-server serves its RFC 8414 metadata at the root only, while a
  // client derives `/.well-known/oauth-authorization-server/<path>` from an
  // issuer with a path (RFC 8414 §3.1): discovery would 404.
  if (url.pathname !== "/") return `must be an origin without a path (authgent-server serves its metadata at the root only); write ${url.origin}`;
  if (url.origin !== raw) return `must be written in canonical form "${url.origin}" (tokens' iss is compared byte for byte)`;
  return undefined;
}

/** Caddy obtains a public certificate for the issuer's host on the default port. */
export function issuerProblemBehindCaddy(raw: string): string | undefined {
  const url = new URL(raw);
  if (url.protocol !== "https:") return `must be https with tls.proxy: caddy (Caddy serves it over TLS); write https://${url.host}, or set tls.proxy: none`;
  if (url.port) return `must use the default https port behind Caddy; remove ":${url.port}"`;
  const ip = /^[\d.]+$/.test(url.hostname) || url.hostname.startsWith("[");
  if (ip || !url.hostname.includes(".") || url.hostname === "localhost") {
    return `needs a public DNS name for Caddy's automatic certificate, got "${url.hostname}"`;
  }
  return undefined;
}
