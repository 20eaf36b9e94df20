import { isHttpsOrLoopbackHttp } from "../http/transport-security.ts";
import { fetchJsonBounded, type BoundedFetchOptions } from "./bounded-fetch.ts";
import { JwksFetchError } from "./fetch-error.ts";

/**
 * RFC 8414 §3.1: the metadata URL inserts `/.well-known/oauth-authorization-server`
 * between the issuer's host and its path, after removing a terminating "/".
 */
export function authorizationServerMetadataUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/** Where keys are looked for when the issuer publishes no usable metadata. */
export function fallbackJwksUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/jwks.json`;
}

/** https only; plain http is tolerated for loopback development issuers. */
export function isAcceptableJwksUri(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash) return false;
  return isHttpsOrLoopbackHttp(url);
}

/**
 * Finds the issuer's `jwks_uri` from its RFC 8414 metadata. When the issuer
 * answers without usable metadata (404 or another status, not JSON, too
 * large) it falls back to `<issuer>/.well-known/jwks.json`. Metadata that is
 * present but contradicts the issuer is an error, not a reason to fall back:
 * it means the configuration points at the wrong server.
 *
 * @throws JwksFetchError `invalid_metadata`; `network` or `timeout` when the
 *   issuer cannot be reached (no fallback: it would not answer there either,
 *   and trying would double the wait and the load on a sick issuer)
 */
export async function discoverJwksUri(issuer: string, options: BoundedFetchOptions): Promise<string> {
  const metadataUrl = authorizationServerMetadataUrl(issuer);
  let metadata: unknown;
  try {
    metadata = await fetchJsonBounded(metadataUrl, options);
  } catch (error) {
    if (error instanceof JwksFetchError && error.reason !== "network" && error.reason !== "timeout") {
      return fallbackJwksUri(issuer);
    }
    throw error;
  }
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    return fallbackJwksUri(issuer);
  }
  const { issuer: advertised, jwks_uri: jwksUri } = metadata as { issuer?: unknown; jwks_uri?: unknown };
  // RFC 8414 §3.3: the metadata's issuer MUST be identical to the issuer
  // whose metadata we asked for, or the document must not be used.
  if (advertised !== issuer) {
    throw new JwksFetchError("invalid_metadata", `${metadataUrl} names a different issuer than ${issuer}`);
  }
  if (jwksUri === undefined) return fallbackJwksUri(issuer);
  // RFC 8414 §2 jwks_uri; RFC 8725 §3.10: keys only over TLS.
  if (typeof jwksUri !== "string" || !isAcceptableJwksUri(jwksUri)) {
    throw new JwksFetchError("invalid_metadata", `${metadataUrl} has a jwks_uri that is not an https URL`);
  }
  return jwksUri;
}
