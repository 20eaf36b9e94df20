/**
 * A DPoP client inside workerd (RFC 9449 §4): key pairs, proofs signed with
 * jose, and DPoP-bound tokens from the local issuer (`cnf.jkt`, §6.1). Every
 * part of a proof can be overridden, so the attack suites forge exactly one
 * defect at a time.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { accessTokenHash } from "../../../worker/auth/dpop/ath.ts";
import { mint, type MintRequest } from "./issuer-admin.ts";

export interface DpopKey {
  readonly alg: "ES256" | "EdDSA" | "RS256";
  readonly privateKey: CryptoKey;
  /** The public JWK a proof carries. */
  readonly publicJwk: JWK;
  /** The private JWK, for the "private key in the header" attack. */
  readonly privateJwk: JWK;
  /** RFC 7638 thumbprint: the token's `cnf.jkt`. */
  readonly jkt: string;
}

export async function dpopKey(alg: DpopKey["alg"] = "ES256"): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, privateJwk: await exportJWK(privateKey), jkt: await calculateJwkThumbprint(publicJwk) };
}

/** The request a proof is made for. */
export interface ProofTarget {
  readonly method: string;
  readonly url: string;
  /** The access token, for `ath`. */
  readonly token: string;
}

export interface ProofOverrides {
  /** Replaces header parameters; null deletes one. */
  readonly header?: Record<string, unknown>;
  /** Replaces claims; null deletes one. */
  readonly claims?: Record<string, unknown>;
  /** Signs with this key instead of the one in the header. */
  readonly signWith?: CryptoKey | Uint8Array;
}

/** A correct proof for `target`, unless `overrides` say otherwise. */
export async function dpopProof(key: DpopKey, target: ProofTarget, overrides: ProofOverrides = {}): Promise<string> {
  const header = withOverrides({ typ: "dpop+jwt", alg: key.alg, jwk: key.publicJwk }, overrides.header);
  const claims = withOverrides(
    {
      jti: crypto.randomUUID(),
      htm: target.method,
      htu: target.url,
      iat: Math.floor(Date.now() / 1000),
      ath: await accessTokenHash(target.token),
    },
    overrides.claims,
  );
  return await new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(overrides.signWith ?? key.privateKey);
}

/** A token from the local issuer bound to `key` (what Authgent issues for a DPoP /token request). */
export async function boundToken(issuer: string, key: DpopKey, request: MintRequest = {}): Promise<string> {
  return await mint(issuer, { ...request, claims: { cnf: { jkt: key.jkt }, ...request.claims } });
}

/** `Authorization: DPoP <token>` plus the proofs given (none, one or several DPoP headers). */
export function dpopRequest(url: string, token: string, proofs: readonly string[], init: { method?: string; scheme?: string } = {}): Request {
  const headers = new Headers({ authorization: `${init.scheme ?? "DPoP"} ${token}` });
  for (const proof of proofs) headers.append("dpop", proof);
  return new Request(url, { method: init.method ?? "POST", headers });
}

function withOverrides(base: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = { ...base };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === null) delete out[name];
    else out[name] = value;
  }
  return out;
}
