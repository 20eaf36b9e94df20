/**
 * End-to-end harness: the bundled worker (`dist/worker/index.js`, built by
 * `npm test` before vitest runs) in workerd, trusting a local issuer over real
 * HTTP, driven from Node by the official MCP SDK client.
 */
import { afterAll, beforeAll } from "vitest";
import { freeLoopbackPort } from "../../../scripts/lib/free-port.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  StreamableHTTPClientTransport,
  type StreamableHTTPClientTransportOptions,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { startLocalIssuer, type LocalIssuer, type MintOptions } from "../../../scripts/lib/local-issuer.ts";
import { startLocalWorker, type LocalWorker, type WorkerVars } from "../../../scripts/lib/local-worker.ts";

export const CLIENT_INFO = { name: "authgent-e2e", version: "1.0.0" } as const;

/** A port nobody listens on right now, for workers whose audience must name their own origin. */
export const freePort = freeLoopbackPort;

export interface E2EWorkerOptions {
  /** Extra vars on top of AUTHGENT_ISSUER/MCP_AUDIENCE. */
  readonly vars?: WorkerVars;
  /** Fixed port (for restarts that must keep the audience); a free one by default. */
  readonly port?: number;
  readonly persistDir?: string;
  readonly rateLimit?: number;
}

export interface E2EWorker {
  /** `http://127.0.0.1:<port>`, also the worker's MCP_AUDIENCE. */
  readonly origin: string;
  readonly mcpUrl: URL;
  readonly port: number;
  readonly worker: LocalWorker;
  dispose(): Promise<void>;
}

/** Starts the bundled worker trusting `issuer`'s `dev` tenant, its audience being its own origin. */
export async function startE2EWorker(issuer: LocalIssuer, options: E2EWorkerOptions = {}): Promise<E2EWorker> {
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const worker = await startLocalWorker({
    port,
    persistDir: options.persistDir,
    rateLimit: options.rateLimit,
    vars: { AUTHGENT_ISSUER: issuer.issuer, MCP_AUDIENCE: origin, ...options.vars },
  });
  return { origin, mcpUrl: new URL(`${origin}/mcp`), port, worker, dispose: () => worker.dispose() };
}

export { startLocalIssuer, type LocalIssuer };

/** One local issuer and one bundled worker trusting its `dev` tenant. */
export interface SharedE2EWorker {
  readonly issuer: LocalIssuer;
  readonly server: E2EWorker;
}

/**
 * Starts a local issuer and a bundled worker in the calling file's
 * `beforeAll` and stops both in its `afterAll`. Read the fields inside tests:
 * they are set once the hooks have run.
 */
export function useSharedE2EWorker(): SharedE2EWorker {
  const shared: { issuer?: LocalIssuer; server?: E2EWorker } = {};
  beforeAll(async () => {
    shared.issuer = await startLocalIssuer();
    shared.server = await startE2EWorker(shared.issuer);
  });
  afterAll(async () => {
    await shared.server?.dispose();
    await shared.issuer?.close();
  });
  return {
    get issuer(): LocalIssuer {
      return started(shared.issuer);
    },
    get server(): E2EWorker {
      return started(shared.server);
    },
  };
}

function started<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("useSharedE2EWorker(): read issuer/server inside tests, after beforeAll");
  return value;
}

/** Mints a token for `audience` as `sub` with `scope` from the issuer's `dev` tenant. */
export function mintFor(
  issuer: LocalIssuer,
  audience: string,
  claims: { sub?: string; scope?: string; client_id?: string } = {},
  options: MintOptions = {},
): Promise<string> {
  return issuer.mint(audience, { ...options, claims: { ...claims, ...options.claims } });
}

/** An SDK client connected (initialize + initialized) with a bearer token. */
export async function connectClient(
  mcpUrl: URL,
  token: string,
  transportOptions: StreamableHTTPClientTransportOptions = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(mcpUrl, {
    ...transportOptions,
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client(CLIENT_INFO);
  await client.connect(transport);
  return { client, transport };
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  const first = content[0];
  if (!first || first.type !== "text" || typeof first.text !== "string") {
    throw new Error(`expected a text result, got ${JSON.stringify(result)}`);
  }
  return first.text;
}

/** One JSON-RPC request over plain fetch (session-less unless `headers` name one), for asserting on HTTP status and headers. */
export function postMcp(
  mcpUrl: URL,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": LATEST_PROTOCOL_VERSION,
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
}
