/**
 * One issuer of the local issuer (scripts/lib/local-issuer.ts): its signing
 * keys, its JWKS failure mode and fetch counters, and minting.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

/** Signing algorithms a tenant's keys may use. */
export const ISSUER_ALGS = ["ES256", "RS256", "EdDSA"] as const;

export type IssuerAlg = (typeof ISSUER_ALGS)[number];

/**
 * How the tenant's JWKS endpoint misbehaves; `ok` is a healthy Authgent.
 * `oversized` declares its 2 MiB size in `content-length`; `oversized-chunked`
 * streams the same body chunked, without a length, so a client's streaming
 * size cap is what has to stop it. `hang` never sends headers;
 * `hang-after-headers` sends headers and the start of a body, then stalls.
 */
export const JWKS_MODES = ["ok", "error500", "html", "oversized", "oversized-chunked", "hang", "hang-after-headers", "down"] as const;
export type JwksMode = (typeof JWKS_MODES)[number];

export interface MintOptions {
  /** Extra or overriding claims. `null` deletes a default claim. */
  readonly claims?: Record<string, unknown>;
  /** Overriding protected-header fields (e.g. `typ`, `kid`). `null` deletes one. */
  readonly header?: Record<string, unknown>;
  /** Which of the tenant's signing keys; defaults to the newest. */
  readonly kid?: string;
  /** Lifetime, seconds. @default 3600 */
  readonly ttlSeconds?: number;
}

export interface TenantStats {
  readonly jwksFetches: number;
  readonly metadataFetches: number;
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: IssuerAlg;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export class Tenant {
  keys: SigningKey[] = [];
  /** Public keys published without a private half here (e.g. crafted by a test); `rotate` retires them too. */
  foreignJwks: JWK[] = [];
  mode: JwksMode = "ok";
  latencyMs = 0;
  /** Whether the RFC 8414 metadata document is served (else clients fall back to /.well-known/jwks.json). */
  serveMetadata = true;
  jwksFetches = 0;
  metadataFetches = 0;
  private serial = 0;

  constructor(
    readonly id: string,
    readonly issuer: string,
  ) {}

  async addKey(alg: IssuerAlg = "ES256"): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${this.id}-${alg.toLowerCase()}-${++this.serial}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
    const key = { kid, alg, privateKey, publicJwk };
    this.keys.push(key);
    return key;
  }

  /** Publishes a new key and retires all others (a completed rotation). */
  async rotate(alg: IssuerAlg = "ES256"): Promise<SigningKey> {
    const key = await this.addKey(alg);
    this.keys = [key];
    this.foreignJwks = [];
    return key;
  }

  /** Every published public key: the tenant's own, then foreign ones. */
  publicJwks(): JWK[] {
    return [...this.keys.map((k) => k.publicJwk), ...this.foreignJwks];
  }

  async mint(audience: string | string[], options: MintOptions = {}): Promise<string> {
    const key = options.kid ? this.keys.find((k) => k.kid === options.kid) : this.keys.at(-1);
    if (!key) throw new Error(`tenant ${this.id} has no key ${options.kid ?? ""}`);
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      sub: "user-1",
      aud: audience,
      iat: now,
      exp: now + (options.ttlSeconds ?? 3600),
      jti: crypto.randomUUID(),
      scope: "mcp:read mcp:write",
      client_id: "local-dev-client",
      ...options.claims,
    };
    const header: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: "JWT", ...options.header };
    for (const [k, v] of Object.entries(claims)) if (v === null) delete claims[k];
    for (const [k, v] of Object.entries(header)) if (v === null) delete header[k];
    // SignJWT validates nothing about the header beyond alg, which lets tests
    // produce deliberately odd (but correctly signed) tokens.
    return new SignJWT(claims as JWTPayload)
      .setProtectedHeader(header as { alg: string })
      .sign(key.privateKey);
  }

  /** The newest signing key with its private half, as a JWK (for a server that signs with it). */
  async privateJwk(): Promise<JWK> {
    const key = this.keys.at(-1);
    if (!key) throw new Error(`tenant ${this.id} has no key`);
    return { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: key.alg, use: "sig" };
  }

  stats(): TenantStats {
    return { jwksFetches: this.jwksFetches, metadataFetches: this.metadataFetches };
  }
}
