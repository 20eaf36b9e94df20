import { importJWK, type JWK } from "jose";

/** Most proof keys one isolate keeps imported. @default 1024 */
export const DEFAULT_PROOF_KEY_CACHE_ENTRIES = 1024;

/**
 * Imported DPoP proof keys by RFC 7638 thumbprint and `alg`, so a client's
 * repeated proofs cost a map lookup instead of a WebCrypto import. Safe
 * because the thumbprint is a SHA-256 over every member that defines the
 * public key (RFC 7638 §3.2): equal thumbprints mean the same key.
 */
export class ProofKeyCache {
  private readonly keys = new Map<string, CryptoKey>();
  constructor(private readonly maxEntries: number = DEFAULT_PROOF_KEY_CACHE_ENTRIES) {}

  /** The public key `jwk` (thumbprint `jkt`) imported for `alg`; throws what `importJWK` throws. */
  async get(jwk: JWK, jkt: string, alg: string): Promise<CryptoKey> {
    const id = `${alg} ${jkt}`;
    const cached = this.keys.get(id);
    if (cached) return cached;
    const key = await importJWK(jwk, alg);
    // A Uint8Array would be an `oct` secret; the caller refuses those before import.
    if (key instanceof Uint8Array || key.type !== "public") throw new TypeError("proof jwk is not a public key");
    this.keys.set(id, key);
    // Map iteration order is insertion order: evict the oldest first.
    while (this.keys.size > this.maxEntries) {
      const oldest = this.keys.keys().next();
      if (oldest.done) break;
      this.keys.delete(oldest.value);
    }
    return key;
  }
}
