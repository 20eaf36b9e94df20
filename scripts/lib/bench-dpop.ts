/**
 * The DPoP client side of `npm run bench`: one ES256 key, an access token
 * bound to it (`cnf.jkt`, RFC 9449 §6.1) and a fresh proof for every request
 * of a run (RFC 9449 §11.1: the worker refuses a repeated `jti`). Proofs are
 * signed before the run, so signing costs the load generator nothing while
 * the worker is measured.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { accessTokenHash } from "../../worker/auth/dpop/ath.ts";
import type { LoadTarget } from "./bench-load.ts";

export interface BenchDpopKey {
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint, the token's `cnf.jkt`. */
  readonly jkt: string;
}

export async function benchDpopKey(): Promise<BenchDpopKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

/** `count` distinct proofs for POST `url` with `token` (RFC 9449 §4.2), all issued now. */
export async function mintProofs(key: BenchDpopKey, url: string, token: string, count: number): Promise<string[]> {
  const ath = await accessTokenHash(token);
  const iat = Math.floor(Date.now() / 1000);
  const header = { typ: "dpop+jwt", alg: "ES256", jwk: key.publicJwk };
  const proofs: string[] = [];
  for (let i = 0; i < count; i++) {
    proofs.push(await new SignJWT({ jti: crypto.randomUUID(), htm: "POST", htu: url, iat, ath }).setProtectedHeader(header).sign(key.privateKey));
  }
  return proofs;
}

/** `target` sent with `Authorization: DPoP` and one proof per request, never repeated. */
export function dpopTarget(target: LoadTarget, token: string, proofs: readonly string[]): LoadTarget {
  return {
    ...target,
    headers: { ...target.headers, authorization: `DPoP ${token}` },
    perRequestHeader: { name: "dpop", values: proofs },
  };
}

/**
 * Proofs a run needs: the load generator sends at most `expectedRps` (the
 * Bearer run's rate, which DPoP cannot exceed) for warm-up plus measurement,
 * with headroom. Running out would replay proofs and fail the run loudly.
 */
export function proofsNeeded(expectedRps: number, seconds: number): number {
  return Math.ceil(expectedRps * seconds * 1.5) + 100;
}
