import { createPrivateKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { AUTHGENT_SIGNING_ALG } from "./config.ts";

/** A freshly generated signing key. */
export interface GeneratedSigningKey {
  /** PKCS#8 PEM of the private key: what Authgent loads from AUTHGENT_SIGNING_KEY. */
  readonly pkcs8Pem: string;
  /**
   * RFC 7638 JWK thumbprint of the public key. Not secret: lets an operator
   * recognise the key in the issuer's JWKS after a rotation.
   */
  readonly thumbprint: string;
}

/** ES256 = ECDSA on P-256 with SHA-256 (RFC 7518 §3.4). */
export async function generateSigningKey(): Promise<GeneratedSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(AUTHGENT_SIGNING_ALG, { extractable: true });
  const pkcs8Pem = await exportPKCS8(privateKey);
  const thumbprint = await calculateJwkThumbprint(await exportJWK(publicKey));
  return { pkcs8Pem, thumbprint };
}

/**
 * Why `pem` cannot serve as Authgent's ES256 signing key, or `undefined` when
 * it can. The message never contains the key.
 */
export function signingKeyProblem(pem: string): string | undefined {
  if (!pem.includes("-----BEGIN PRIVATE KEY-----")) {
    return pem.includes("-----BEGIN EC PRIVATE KEY-----")
      ? "is a SEC1 (BEGIN EC PRIVATE KEY) key; Authgent reads PKCS#8: convert it with `openssl pkcs8 -topk8 -nocrypt` or generate one with npm run keygen"
      : "must be a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----); generate one with npm run keygen";
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    // The parser's own message can quote key material; say what is wrong instead.
    return "is not a readable PKCS#8 PEM private key; generate one with npm run keygen";
  }
  // RFC 7518 §3.4: ES256 signs with a P-256 key (OpenSSL's prime256v1).
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    return `must be an EC P-256 key for ${AUTHGENT_SIGNING_ALG}, got ${key.asymmetricKeyType ?? "an unknown"} key${key.asymmetricKeyDetails?.namedCurve ? ` on ${key.asymmetricKeyDetails.namedCurve}` : ""}; generate one with npm run keygen`;
  }
  return undefined;
}
