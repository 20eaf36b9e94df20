/**
 * Drives the shared local issuer (scripts/lib/local-issuer.ts) from inside
 * workerd over real HTTP: fresh tenants, minting, rotation, failure modes and
 * fetch counters.
 */
import { inject } from "vitest";
import { parseWorkerConfig, type WorkerConfig } from "../../../worker/config.ts";
import type { WorkerVarName } from "../../../worker/bindings.ts";

/** The resource these tests protect (`MCP_AUDIENCE`). */
export const AUDIENCE = "https://mcp.test.example";

export type IssuerAlg = "ES256" | "RS256" | "EdDSA";
export type JwksMode = "ok" | "error500" | "html" | "oversized" | "oversized-chunked" | "hang" | "hang-after-headers" | "down";

async function admin<T>(action: string, body: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${inject("issuerOrigin")}/__admin/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-local-issuer-admin": inject("issuerAdminSecret") },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`issuer admin ${action} failed: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A new, independent issuer with one signing key. */
export async function createTenant(alg: IssuerAlg = "ES256"): Promise<{ issuer: string; kid: string }> {
  return admin("tenant", { alg });
}

/** The worker configuration for `issuer`, defaults applied as in production. */
export function configFor(issuer: string, vars: { readonly [K in WorkerVarName]?: string } = {}): WorkerConfig {
  return parseWorkerConfig({ AUTHGENT_ISSUER: issuer, MCP_AUDIENCE: AUDIENCE, ...vars });
}

export interface MintRequest {
  /** @default AUDIENCE */
  readonly audience?: string | string[];
  /** Overrides; null deletes a default claim. */
  readonly claims?: Record<string, unknown>;
  /** Overrides; null deletes a default header parameter. */
  readonly header?: Record<string, unknown>;
  readonly kid?: string;
  /** @default 3600 */
  readonly ttlSeconds?: number;
}

/** A token correctly signed by the tenant's key (the newest, or `kid`). */
export async function mint(issuer: string, request: MintRequest = {}): Promise<string> {
  const { token } = await admin<{ token: string }>("mint", { issuer, audience: AUDIENCE, ...request });
  return token;
}

/** Publishes a new key and retires all others. */
export async function rotate(issuer: string, alg: IssuerAlg = "ES256"): Promise<string> {
  return (await admin<{ kid: string }>("rotate", { issuer, alg })).kid;
}

/** Publishes an extra key next to the existing ones. */
export async function addKey(issuer: string, alg: IssuerAlg = "ES256"): Promise<string> {
  return (await admin<{ kid: string }>("add-key", { issuer, alg })).kid;
}

/** Publishes a public key whose private half the test holds. */
export async function publishJwk(issuer: string, jwk: JsonWebKey & { kid: string }): Promise<void> {
  await admin("publish-jwk", { issuer, jwk });
}

/** The tenant's current public JWKS, read through the admin API (not counted as a fetch). */
export async function publicJwks(issuer: string): Promise<{ keys: (JsonWebKey & { kid: string; alg: string })[] }> {
  return admin("jwks", { issuer });
}

export async function setMode(
  issuer: string,
  settings: { mode?: JwksMode; latencyMs?: number; serveMetadata?: boolean },
): Promise<void> {
  await admin("mode", { issuer, ...settings });
}

export interface IssuerStats {
  readonly jwksFetches: number;
  readonly metadataFetches: number;
}

export async function stats(issuer: string): Promise<IssuerStats> {
  const response = await fetch(`${inject("issuerOrigin")}/__admin/stats?issuer=${encodeURIComponent(issuer)}`, {
    headers: { "x-local-issuer-admin": inject("issuerAdminSecret") },
  });
  return (await response.json()) as IssuerStats;
}

/** A request as an MCP client would send it. */
export function bearerRequest(token: string): Request {
  return new Request(`${AUDIENCE}/mcp`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
}
