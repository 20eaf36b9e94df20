import { calculateJwkThumbprint, importJWK, type JWK } from "jose";

/** Most proof keys one isolate keeps imported. @default 1024 */
export const DEFAULT_PROOF_KEY_CACHE_ENTRIES = 1024;

/** A proof key ready to verify with, and its RFC 7638 thumbprint. */
export interface ProofKey {
  readonly key: CryptoKey;
  /** base64url SHA-256 thumbprint (RFC 7638 §3), compared with `cnf.jkt`. */
  readonly jkt: string;
}

/** RFC 7638 §3.2: the members that define a public key, per `kty`, in lexicographic order. */
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ["crv", "kty", "x", "y"],
  OKP: ["crv", "kty", "x"],
  RSA: ["e", "kty", "n"],
};

/**
 * Imported DPoP proof keys and their thumbprints, keyed by the RFC 7638
 * thumbprint input itself (the required members, serialised in order), so a
 * client's repeated proofs cost a map lookup instead of a SHA-256 and a
 * WebCrypto import. Safe because that input is exactly what defines the
 * public key: equal inputs mean the same key and the same thumbprint.
 */
export class ProofKeyCache {
  private readonly keys = new Map<string, ProofKey>();
  private readonly headers = new Map<string, HeaderKey>();
  constructor(private readonly maxEntries: number = DEFAULT_PROOF_KEY_CACHE_ENTRIES) {}

  /**
   * The checked `alg` and key of a proof whose encoded protected header is
   * `encodedHeader`, if `setForHeader` stored it. A client signs every proof
   * with the same header (`typ`, `alg`, `jwk`) and the same encoded bytes
   * always decode to the same header, so a header that passed the checks once
   * passes them again: the hit skips base64url, JSON and the key lookup.
   */
  forHeader(encodedHeader: string): HeaderKey | undefined {
    return this.headers.get(encodedHeader);
  }

  /** `get(jwk, alg)`, remembered for `encodedHeader`; call only after that header passed every header check. */
  async setForHeader(encodedHeader: string, jwk: JWK, alg: string): Promise<HeaderKey> {
    const entry: HeaderKey = { alg, ...(await this.get(jwk, alg)) };
    setBounded(this.headers, encodedHeader, entry, this.maxEntries);
    return entry;
  }

  /** The public key `jwk` imported for `alg`, with its thumbprint; throws what jose throws for a bad key. */
  async get(jwk: JWK, alg: string): Promise<ProofKey> {
    const id = thumbprintInput(jwk);
    const cached = id === undefined ? undefined : this.keys.get(`${alg} ${id}`);
    if (cached) return cached;
    const jkt = await calculateJwkThumbprint(jwk, "sha256");
    const key = await importJWK(jwk, alg);
    // A Uint8Array would be an `oct` secret; the caller refuses those before import.
    if (key instanceof Uint8Array || key.type !== "public") throw new TypeError("proof jwk is not a public key");
    const entry = { key, jkt };
    if (id === undefined) return entry;
    setBounded(this.keys, `${alg} ${id}`, entry, this.maxEntries);
    return entry;
  }
}

/** A checked proof header's algorithm and key. */
export interface HeaderKey extends ProofKey {
  readonly alg: string;
}

function setBounded<V>(map: Map<string, V>, key: string, value: V, maxEntries: number): void {
  map.set(key, value);
  // Map iteration order is insertion order: evict the oldest first.
  while (map.size > maxEntries) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

/** RFC 7638 §3.3 input (JSON of the required members, in order), or undefined when not computable here. */
function thumbprintInput(jwk: JWK): string | undefined {
  const members = typeof jwk.kty === "string" ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (!members) return undefined;
  const record = jwk as Record<string, unknown>;
  const values = members.map((member) => record[member]);
  if (!values.every((value) => typeof value === "string" && value !== "")) return undefined;
  return JSON.stringify(Object.fromEntries(members.map((member, i) => [member, values[i]])));
}
