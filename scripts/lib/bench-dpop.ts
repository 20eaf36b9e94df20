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
    perRequestHeaders: { names: ["dpop"], rows: proofs.map((proof) => [proof]) },
  };
}

/** One bench user: a DPoP key and an access token bound to it. */
export interface BenchDpopUser {
  readonly key: BenchDpopKey;
  readonly token: string;
}

/**
 * `target` sent by several users in turn (request i by user i mod n), each
 * request with its user's token and a fresh proof of that user's key: the
 * load spreads over n Durable Objects, as a fleet's users do.
 */
export async function multiUserDpopTarget(target: LoadTarget, users: readonly BenchDpopUser[], count: number): Promise<LoadTarget> {
  const perUser = Math.ceil(count / users.length);
  const proofs = await Promise.all(users.map((user) => mintProofs(user.key, target.url, user.token, perUser)));
  const rows: string[][] = [];
  for (let i = 0; i < perUser * users.length; i++) {
    const u = i % users.length;
    const user = users[u];
    const proof = proofs[u]?.[Math.floor(i / users.length)];
    if (user && proof) rows.push([proof, `DPoP ${user.token}`]);
  }
  const headers = Object.fromEntries(Object.entries(target.headers).filter(([name]) => name.toLowerCase() !== "authorization"));
  return { ...target, headers, perRequestHeaders: { names: ["dpop", "authorization"], rows } };
}

/**
 * Proofs a run needs: the load generator sends at most `expectedRps` (the
 * Bearer run's rate, which DPoP cannot exceed) for warm-up plus measurement,
 * with headroom. Running out would replay proofs and fail the run loudly.
 */
export function proofsNeeded(expectedRps: number, seconds: number): number {
  return Math.ceil(expectedRps * seconds * 1.5) + 100;
}
