/**
 * Helpers for the in-workerd MCP, HTTP and agent suites: real tokens from the
 * shared local issuer, requests to the worker through the runtime (SELF) or
 * through the default export with a custom env.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { inject } from "vitest";
import worker from "../../../worker/index.ts";
import type { Env } from "../../../worker/env.ts";
import { TEST_AUDIENCE } from "../../support/worker-pool-options.ts";

export const MCP_URL = `${TEST_AUDIENCE}/mcp`;
export const LATEST = "2025-11-25";

export interface MintOptions {
  /** @default a fresh random subject, so tests never share a Durable Object */
  readonly sub?: string;
  /** @default "mcp:read mcp:write"; null removes the claim */
  readonly scope?: string | null;
  /** Further claims; null deletes a default one. */
  readonly claims?: Record<string, unknown>;
  /** @default the dev tenant */
  readonly issuer?: string;
}

/** A real ES256 token from the local issuer, for TEST_AUDIENCE. */
export async function mintToken(options: MintOptions = {}): Promise<string> {
  const response = await fetch(`${inject("issuerOrigin")}/__admin/mint`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-local-issuer-admin": inject("issuerAdminSecret") },
    body: JSON.stringify({
      issuer: options.issuer ?? inject("devIssuer"),
      audience: TEST_AUDIENCE,
      claims: {
        sub: options.sub ?? `user-${crypto.randomUUID()}`,
        ...(options.scope !== undefined ? { scope: options.scope } : {}),
        ...options.claims,
      },
    }),
  });
  if (!response.ok) throw new Error(`mint failed: HTTP ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export interface PostOptions {
  readonly token?: string;
  /** Extra or overriding headers; a null value removes a default one. */
  readonly headers?: Record<string, string | null>;
}

/** A POST /mcp with the headers a well-behaved client sends. */
export function mcpRequest(body: unknown, options: PostOptions = {}): Request {
  const headers = new Headers({
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  });
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return new Request(MCP_URL, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

/** Sends through the runtime, exactly as a client request arrives. */
export function send(request: Request): Promise<Response> {
  return SELF.fetch(request);
}

/** Sends through the default export with the test env plus `overrides` (e.g. a low rate limit). */
export async function sendWithEnv(request: Request, overrides: Partial<Record<keyof Env, unknown>>): Promise<Response> {
  const ctx = createExecutionContext();
  const incoming = request as Request<unknown, IncomingRequestCfProperties>;
  const response = await worker.fetch(incoming, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

let nextId = 1;

/** A JSON-RPC request object. */
export function rpc(method: string, params?: Record<string, unknown>, id: string | number = nextId++): Record<string, unknown> {
  return { jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) };
}

export function initializeParams(protocolVersion: string = LATEST): Record<string, unknown> {
  return { protocolVersion, capabilities: {}, clientInfo: { name: "vitest", version: "1.0.0" } };
}

/** Initializes over the runtime and returns the session id. */
export async function openSession(token: string, protocolVersion: string = LATEST): Promise<string> {
  const response = await send(mcpRequest(rpc("initialize", initializeParams(protocolVersion)), { token }));
  const sessionId = response.headers.get("mcp-session-id");
  await response.body?.cancel();
  if (response.status !== 200 || !sessionId) throw new Error(`initialize failed: HTTP ${response.status}`);
  return sessionId;
}

/** Calls a tool (POST, latest revision) and returns the HTTP response. */
export function callTool(
  token: string,
  name: string,
  args: Record<string, unknown> = {},
  headers: Record<string, string | null> = {},
): Promise<Response> {
  return send(
    mcpRequest(rpc("tools/call", { name, arguments: args }), { token, headers: { "mcp-protocol-version": LATEST, ...headers } }),
  );
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
