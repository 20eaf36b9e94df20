import { decodeProtectedHeader, errors, jwtVerify, type JWK, type JWTPayload, type ProtectedHeaderParameters } from "jose";
import { InvalidDpopProofError, InvalidTokenError } from "../errors.ts";
import { checkTokenShape } from "../token-shape.ts";
import { accessTokenHash } from "./ath.ts";
import { normalizeHtu } from "./htu.ts";
import { ProofKeyCache } from "./proof-keys.ts";

/** The request a proof must be bound to (RFC 9449 §4.3 checks 8–10). */
export interface ProofRequest {
  /** The HTTP method, e.g. "POST". */
  readonly method: string;
  /** The URL the client used (`request.url`; see `htu.ts`). */
  readonly url: string;
  /** The access token presented with the proof (for `ath`, RFC 9449 §4.3 check 11). */
  readonly accessToken: string;
}

export interface DpopProofOptions {
  /** Asymmetric JWS algorithms accepted for proofs (RFC 9449 §4.3 check 5). */
  readonly algorithms: readonly string[];
  /** Seconds after its `iat` a proof is still accepted (RFC 9449 §4.3 check 11, §11.1). */
  readonly maxAgeSeconds: number;
  /** Seconds a proof's `iat` may lie in the future (clock skew). */
  readonly clockToleranceSeconds: number;
}

/** What the replay check and the key binding need from a good proof. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key (compared with `cnf.jkt`, RFC 9449 §6.1). */
  readonly jkt: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  /** The `nonce` claim (RFC 9449 §9), when present. */
  readonly nonce: string | undefined;
}

/** Longest accepted `jti`, characters: RFC 9449 §4.2 asks for 96 bits of randomness; this bounds replay storage. */
export const MAX_JTI_LENGTH = 256;

/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

const defaultKeys = new ProofKeyCache();

/**
 * Verifies a DPoP proof JWT (RFC 9449 §4.3) for one request and returns its
 * key thumbprint and replay identifiers. Pure: the clock is a parameter and
 * nothing reads `env`; the `jti` replay check and the `cnf.jkt` comparison
 * are the caller's (they need the token and shared state).
 *
 * Checks, in order: shape and size; header — no `crit`, `typ` dpop+jwt, `alg`
 * on the allow-list, a public `jwk` (no private members) — before any
 * crypto; the signature with that key; `jti`, `htm`, `htu`, `iat` window and
 * `ath`. Every failure is an `InvalidDpopProofError` naming the check.
 *
 * @param nowSeconds current time, seconds since the epoch.
 */
export async function verifyDpopProof(
  proof: string,
  request: ProofRequest,
  options: DpopProofOptions,
  nowSeconds: number,
  keys: ProofKeyCache = defaultKeys,
): Promise<VerifiedDpopProof> {
  // RFC 9449 §4.3 check 2: a well-formed JWS (the access token's strict rules apply).
  try {
    checkTokenShape(proof);
  } catch (cause) {
    if (cause instanceof InvalidTokenError) throw new InvalidDpopProofError("malformed", `proof: ${cause.message}`, { cause });
    throw cause;
  }
  // checkTokenShape guaranteed three segments. A header seen before skips parsing and key import.
  const encodedHeader = proof.slice(0, proof.indexOf("."));
  let checked = keys.forHeader(encodedHeader);
  // RFC 9449 §4.3 check 5 again for a remembered header: the allow-list is per server configuration.
  if (checked && !options.algorithms.includes(checked.alg)) throw new InvalidDpopProofError("alg", "proof alg is not in the DPoP allow-list");
  if (!checked) {
    const { alg, jwk } = checkProofHeader(proof, options.algorithms);
    try {
      checked = await keys.setForHeader(encodedHeader, jwk, alg);
    } catch (cause) {
      // The key is entirely client input: any failure to use it is a bad proof.
      throw new InvalidDpopProofError("jwk", "proof jwk is not a usable public key for its alg", { cause });
    }
  }
  const { alg, key, jkt } = checked;
  const payload = await verifySignature(proof, key, alg, nowSeconds);
  // Awaited, not returned: workerd reports a rejection adopted via `return` as unhandled.
  return await checkProofClaims(payload, jkt, request, options, nowSeconds);
}

/** RFC 9449 §4.3 checks 3–7, before any crypto (and before jose, see header-policy.ts). */
function checkProofHeader(proof: string, algorithms: readonly string[]): { alg: string; jwk: JWK } {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(proof);
  } catch (cause) {
    if (cause instanceof TypeError) throw new InvalidDpopProofError("malformed", "proof header is not a JSON object", { cause });
    throw cause;
  }
  // RFC 7515 §4.1.11: no extension is understood here.
  if (header.crit !== undefined) throw new InvalidDpopProofError("malformed", "proof header has crit extensions");
  // RFC 9449 §4.3 check 4 / RFC 8725 §3.11: explicit typing keeps other JWTs out.
  if (typeof header.typ !== "string" || normalizeTyp(header.typ) !== "dpop+jwt") {
    throw new InvalidDpopProofError("typ", "proof typ is not dpop+jwt");
  }
  // RFC 9449 §4.3 check 5: an asymmetric algorithm from the allow-list ("none" and HS* never are).
  const { alg } = header;
  if (typeof alg !== "string" || !algorithms.includes(alg)) {
    throw new InvalidDpopProofError("alg", "proof alg is not in the DPoP allow-list");
  }
  // RFC 9449 §4.3 check 7: the header's jwk is a public key; a private one is refused outright.
  const jwk = header.jwk;
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) throw new InvalidDpopProofError("jwk", "proof header has no jwk object");
  for (const member of PRIVATE_JWK_MEMBERS) {
    if (member in jwk) throw new InvalidDpopProofError("jwk", "proof jwk contains private or symmetric key material");
  }
  // RFC 7517 §4.2/§4.4: a key labelled for another use or algorithm is not this proof's key.
  if ((jwk.use !== undefined && jwk.use !== "sig") || (jwk.alg !== undefined && jwk.alg !== alg)) {
    throw new InvalidDpopProofError("jwk", "proof jwk use or alg contradicts the proof");
  }
  return { alg, jwk };
}

/** RFC 9449 §4.3 check 6: the signature, with the key from the proof's own header. */
async function verifySignature(proof: string, key: CryptoKey, alg: string, nowSeconds: number): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(proof, key, { algorithms: [alg], currentDate: new Date(nowSeconds * 1000) });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw new InvalidDpopProofError("signature", "proof signature verification failed", { cause: error });
    }
    if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) {
      throw new InvalidDpopProofError("claims", `proof claim ${error.claim}: ${error.reason}`, { cause: error });
    }
    if (error instanceof errors.JOSEError) throw new InvalidDpopProofError("malformed", "proof is not a valid signed JWT", { cause: error });
    // jose reports an RSA key under 2048 bits as a TypeError.
    if (error instanceof TypeError) throw new InvalidDpopProofError("jwk", "proof key is unusable for its alg", { cause: error });
    throw error;
  }
}

async function checkProofClaims(
  payload: JWTPayload,
  jkt: string,
  request: ProofRequest,
  options: DpopProofOptions,
  nowSeconds: number,
): Promise<VerifiedDpopProof> {
  const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown>;
  // RFC 9449 §4.2: jti identifies the proof for replay detection (§11.1).
  if (typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_LENGTH) {
    throw new InvalidDpopProofError("jti", `proof jti must be a string of 1 to ${MAX_JTI_LENGTH} characters`);
  }
  // RFC 9449 §4.3 check 8: methods are case-sensitive (RFC 9110 §9.1).
  if (htm !== request.method) throw new InvalidDpopProofError("htm", "proof htm does not match the request method");
  // RFC 9449 §4.3 check 9.
  const expectedHtu = normalizeHtu(request.url);
  if (typeof htu !== "string" || expectedHtu === undefined || normalizeHtu(htu) !== expectedHtu) {
    throw new InvalidDpopProofError("htu", "proof htu does not match the request URL");
  }
  // RFC 9449 §4.3 check 11 / §11.1: recent, so a replay window is bounded.
  if (typeof iat !== "number" || !Number.isFinite(iat)) throw new InvalidDpopProofError("iat", "proof iat is not a number");
  if (iat > nowSeconds + options.clockToleranceSeconds) throw new InvalidDpopProofError("iat", "proof iat is in the future");
  if (iat < nowSeconds - options.maxAgeSeconds) throw new InvalidDpopProofError("iat", "proof iat is too old");
  // RFC 9449 §4.3 check 12 (§7.1 at a resource server): ath binds the proof to this very token.
  if (typeof ath !== "string" || ath !== (await cachedAccessTokenHash(request.accessToken))) {
    throw new InvalidDpopProofError("ath", "proof ath does not match the access token");
  }
  if (nonce !== undefined && typeof nonce !== "string") throw new InvalidDpopProofError("claims", "proof nonce is not a string");
  return { jkt, jti, iat, nonce };
}

/** Most tokens whose `ath` one isolate remembers. */
const ATH_CACHE_ENTRIES = 256;
const athByToken = new Map<string, string>();

/** `ath` of a token, computed once per token per isolate: a client sends the same token with every proof. */
async function cachedAccessTokenHash(token: string): Promise<string> {
  const cached = athByToken.get(token);
  if (cached !== undefined) return cached;
  const ath = await accessTokenHash(token);
  athByToken.set(token, ath);
  if (athByToken.size > ATH_CACHE_ENTRIES) {
    const oldest = athByToken.keys().next();
    if (!oldest.done) athByToken.delete(oldest.value);
  }
  return ath;
}

/** RFC 7515 §4.1.9: "application/" may be omitted and media types are case-insensitive. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}
