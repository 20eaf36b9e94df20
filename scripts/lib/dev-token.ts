/**
 * How `npm start` mints its development token so that the worker it runs
 * accepts it, whatever vars that worker got (a `--stack` may narrow the
 * algorithms or the token lifetime).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import { WORKER_VARS } from "../../worker/bindings.ts";
import { accessTokenHash } from "../../worker/auth/dpop/ath.ts";
import type { IssuerAlg } from "./local-issuer.ts";
import type { WorkerVars } from "./local-worker.ts";

/** Longest dev token `npm start` mints, seconds: a working day (8 h). */
export const DEV_TOKEN_MAX_TTL_SECONDS = 8 * 3600;

const ISSUER_ALGS: readonly IssuerAlg[] = ["ES256", "RS256", "EdDSA"];

export interface DevTokenPlan {
  /** Signing algorithm of the local issuer's `dev` tenant. */
  readonly alg: IssuerAlg;
  /** Token lifetime, seconds. */
  readonly ttlSeconds: number;
}

/**
 * ES256 (what Authgent signs with) unless the worker's JWT_ALGORITHMS leaves
 * it out, then the first algorithm listed; a working day, capped by the
 * worker's MAX_TOKEN_LIFETIME (a longer token is refused: `exp - iat` too large).
 */
export function devTokenPlan(vars: WorkerVars): DevTokenPlan {
  const allowed = (vars.JWT_ALGORITHMS || WORKER_VARS.JWT_ALGORITHMS.default)
    .split(",")
    .map((name) => name.trim())
    .filter((name): name is IssuerAlg => (ISSUER_ALGS as readonly string[]).includes(name));
  const alg = allowed.includes("ES256") ? "ES256" : (allowed[0] ?? "ES256");
  const maxLifetime = Number(vars.MAX_TOKEN_LIFETIME || WORKER_VARS.MAX_TOKEN_LIFETIME.default);
  const ttlSeconds = Number.isFinite(maxLifetime) && maxLifetime > 0 ? Math.min(DEV_TOKEN_MAX_TTL_SECONDS, maxLifetime) : DEV_TOKEN_MAX_TTL_SECONDS;
  return { alg, ttlSeconds };
}

/**
 * DPoP development sessions (RFC 9449): `npm start` also mints a token bound
 * to a fresh ES256 key (`cnf.jkt`) and keeps key and token in its state
 * directory (git-ignored), so `scripts/dpop-proof.ts` can sign a new proof for
 * each request: the worker accepts every proof once.
 */
export const DEV_DPOP_SESSION_FILE = "dpop-session.json";

export interface DevDpopSession {
  /** The MCP endpoint proofs are made for (`htu`). */
  readonly mcpUrl: string;
  /** The DPoP-bound access token. */
  readonly token: string;
  /** The ES256 private key, JWK; its public half is what proofs carry. */
  readonly privateJwk: JWK;
}

/** A new key and a token bound to it; `mintBound` mints a token with `cnf: { jkt }`. */
export async function createDevDpopSession(mcpUrl: string, mintBound: (jkt: string) => Promise<string>): Promise<DevDpopSession> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  return { mcpUrl, token: await mintBound(await calculateJwkThumbprint(publicHalf(privateJwk))), privateJwk };
}

/** A fresh proof for one request to the session's MCP endpoint (RFC 9449 §4.2). */
export async function devDpopProof(session: DevDpopSession, method = "POST"): Promise<string> {
  const key = await importJWK(session.privateJwk, "ES256");
  const claims = { jti: crypto.randomUUID(), htm: method, htu: session.mcpUrl, iat: Math.floor(Date.now() / 1000), ath: await accessTokenHash(session.token) };
  return await new SignJWT(claims).setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: publicHalf(session.privateJwk) }).sign(key);
}

/** Writes the session next to the Durable Object state, readable by this user only; returns its path. */
export async function saveDevDpopSession(stateDir: string, session: DevDpopSession): Promise<string> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, DEV_DPOP_SESSION_FILE);
  await writeFile(path, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  return path;
}

export async function loadDevDpopSession(stateDir: string): Promise<DevDpopSession> {
  const path = join(stateDir, DEV_DPOP_SESSION_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new Error(`no DPoP dev session at ${path}: start the server with npm start first (it writes one)`);
  }
  return JSON.parse(text) as DevDpopSession;
}

/** What `npm start` prints about the DPoP token: the export and a request that works every time. */
export function formatDevDpopSection(session: DevDpopSession, stateDir: string, required: boolean): string {
  return [
    `DPoP-bound dev token (RFC 9449; this server ${required ? "requires DPoP" : "accepts Bearer and DPoP"}), key in ${join(stateDir, DEV_DPOP_SESSION_FILE)}.`,
    "Each request needs a new proof; scripts/dpop-proof.ts signs one:",
    "",
    `  export MCP_DPOP_TOKEN=${session.token}`,
    `  curl -s ${session.mcpUrl} \\`,
    `    -H "Authorization: DPoP $MCP_DPOP_TOKEN" -H "DPoP: $(npx tsx scripts/dpop-proof.ts --state-dir ${stateDir})" \\`,
    '    -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \\',
    `    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"0"}}}'`,
    "",
  ].join("\n");
}

/** The public members of an EC private JWK (RFC 7518 §6.2.1): what a proof's header carries. */
function publicHalf(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}
