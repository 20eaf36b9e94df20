/**
 * Crafts compact JWS tokens byte by byte inside workerd, for shapes jose
 * refuses to produce: non-JSON payloads, `crit`, keys jose calls too weak.
 */
import { publishJwk } from "./issuer-admin.ts";

export function b64url(input: string | Uint8Array): string {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

export const segment = (value: unknown): string => b64url(JSON.stringify(value));

export type TestKeyKind = "ES256" | "RS256-1024";

const ALGORITHMS: Record<TestKeyKind, { generate: SubtleCryptoGenerateKeyAlgorithm; sign: SubtleCryptoSignAlgorithm; alg: string }> = {
  ES256: {
    generate: { name: "ECDSA", namedCurve: "P-256" },
    sign: { name: "ECDSA", hash: "SHA-256" },
    alg: "ES256",
  },
  "RS256-1024": {
    generate: { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
    alg: "RS256",
  },
};

export interface TestSigner {
  readonly kid: string;
  readonly alg: string;
  readonly publicJwk: JsonWebKey & { kid: string };
  /** Signs `<header>.<payload>` given as already-encoded segments. */
  sign(headerSegment: string, payloadSegment: string): Promise<string>;
}

/** A key pair made here; its public half is published by `issuer` when `publish` is set. */
export async function testSigner(kind: TestKeyKind, issuer?: string): Promise<TestSigner> {
  const spec = ALGORITHMS[kind];
  const pair = (await crypto.subtle.generateKey(spec.generate, true, ["sign", "verify"])) as CryptoKeyPair;
  const kid = `test-${kind.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`;
  const exported = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  const publicJwk = { ...exported, kid, alg: spec.alg, use: "sig" };
  delete publicJwk.key_ops;
  delete publicJwk.ext;
  if (issuer) await publishJwk(issuer, publicJwk);
  return {
    kid,
    alg: spec.alg,
    publicJwk,
    async sign(headerSegment, payloadSegment) {
      const input = new TextEncoder().encode(`${headerSegment}.${payloadSegment}`);
      const signature = new Uint8Array(await crypto.subtle.sign(spec.sign, pair.privateKey, input));
      return `${headerSegment}.${payloadSegment}.${b64url(signature)}`;
    },
  };
}

/** Standard, valid claims for `issuer` and `audience`, issued now. */
export function validClaims(issuer: string, audience: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer, aud: audience, sub: "user-1", iat: now, exp: now + 600, scope: "mcp:read", ...extra };
}
