import { base64url } from "jose";

/**
 * RFC 9449 §4.2 `ath`: base64url SHA-256 of the ASCII access token. Its own
 * module so clients (tests, the benchmark, `npm start`) compute it exactly as
 * the worker checks it.
 */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}
