/**
 * A DPoP client for the interop suite (RFC 9449): one ES256 key (the only
 * proof algorithm authgent-server 0.3.4 accepts, services/dpop_service.py
 * `verify_dpop_proof`), proofs for the token endpoint (no `ath`) and for the
 * MCP endpoint (with `ath`), and a fetch wrapper that makes the official MCP
 * SDK client speak DPoP: a proof on every /token request, and `Authorization:
 * DPoP` plus a proof on every MCP request.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { accessTokenHash } from "../../worker/auth/dpop/ath.ts";

export interface InteropDpopKey {
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint: what Authgent puts in `cnf.jkt` (dpop_service.py `_compute_jkt`). */
  readonly jkt: string;
}

export async function interopDpopKey(): Promise<InteropDpopKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

/** A fresh proof for `method` `url` (query and fragment dropped), bound to `accessToken` when given. */
export async function proofFor(key: InteropDpopKey, method: string, url: string | URL, accessToken?: string): Promise<string> {
  const target = new URL(url);
  const claims = {
    jti: crypto.randomUUID(),
    htm: method,
    htu: `${target.origin}${target.pathname}`,
    iat: Math.floor(Date.now() / 1000),
    ...(accessToken === undefined ? {} : { ath: await accessTokenHash(accessToken) }),
  };
  return await new SignJWT(claims).setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: key.publicJwk }).sign(key.privateKey);
}

/**
 * `inner` made DPoP-capable for one MCP endpoint and one token endpoint.
 * `sent` collects what went out, for assertions.
 */
export function dpopFetch(key: InteropDpopKey, endpoints: { mcpUrl: URL; tokenUrl: string }, inner: typeof fetch, sent: { url: string; headers: Headers }[] = []): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (url.href === endpoints.tokenUrl) headers.set("dpop", await proofFor(key, method, url));
    if (`${url.origin}${url.pathname}` === endpoints.mcpUrl.href) {
      const bearer = /^Bearer (.+)$/i.exec(headers.get("authorization") ?? "");
      if (bearer?.[1]) {
        headers.set("authorization", `DPoP ${bearer[1]}`);
        headers.set("dpop", await proofFor(key, method, url, bearer[1]));
      }
    }
    sent.push({ url: url.href, headers });
    return await inner(input, { ...init, headers });
  };
}
