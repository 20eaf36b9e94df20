const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * https everywhere; plain http only to this machine (local development
 * issuers and servers). RFC 8414 §2 and RFC 8725 §3.10: issuer metadata and
 * keys are trusted only over TLS.
 */
export function isHttpsOrLoopbackHttp(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}
