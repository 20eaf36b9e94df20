/**
 * The bundled worker (`dist/worker/index.js`, built by `npm test` before
 * vitest runs) in workerd, trusting a real authgent-server, with its console
 * output captured so tests can assert on what it logs.
 */
import type { Readable } from "node:stream";
import { startLocalWorker, type LocalWorker, type WorkerVars } from "../../../scripts/lib/local-worker.ts";
import { freePort } from "../../e2e/support/harness.ts";

export interface AuthgentWorkerOptions {
  /**
   * Vars on top of AUTHGENT_ISSUER (the server's issuer) and MCP_AUDIENCE
   * (`<origin>/mcp`); another worker's MCP_AUDIENCE makes this one a second
   * isolate of the same server. @default {}
   */
  readonly vars?: WorkerVars;
  /** Fixed port; a free one by default. */
  readonly port?: number;
}

export interface AuthgentWorker {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The MCP endpoint, `<origin>/mcp`. */
  readonly mcpUrl: URL;
  /** MCP_AUDIENCE (RFC 9728 `resource`): `mcpUrl` unless the vars named another. */
  readonly audience: string;
  readonly worker: LocalWorker;
  /** Everything the worker logged so far (workerd's stdout and stderr). */
  logs(): string;
  /** Resolves once `predicate(logs())` holds, or rejects after `timeoutMs` with what was logged. */
  waitForLog(predicate: (logs: string) => boolean, timeoutMs?: number): Promise<string>;
  dispose(): Promise<void>;
}

/** Starts the bundled worker trusting `issuer`, its audience `<origin>/mcp` as deployed stacks use. */
export async function startAuthgentWorker(issuer: string, options: AuthgentWorkerOptions = {}): Promise<AuthgentWorker> {
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const audience = options.vars?.MCP_AUDIENCE ?? `${origin}/mcp`;
  let captured = "";
  const capture = (stream: Readable): void => {
    stream.on("data", (chunk: Buffer) => {
      captured = (captured + chunk.toString("utf8")).slice(-512 * 1024);
    });
  };
  const worker = await startLocalWorker({
    port,
    vars: { AUTHGENT_ISSUER: issuer, MCP_AUDIENCE: audience, ...options.vars },
    handleRuntimeStdio: (stdout, stderr) => {
      capture(stdout);
      capture(stderr);
    },
  });
  const logs = (): string => captured;
  return {
    origin,
    mcpUrl: new URL(`${origin}/mcp`),
    audience,
    worker,
    logs,
    waitForLog: async (predicate, timeoutMs = 5_000) => {
      // workerd flushes console output asynchronously to the response.
      const deadline = Date.now() + timeoutMs;
      while (!predicate(logs())) {
        if (Date.now() > deadline) throw new Error(`worker log never matched; it was:\n${logs().slice(-4000)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return logs();
    },
    dispose: () => worker.dispose(),
  };
}
