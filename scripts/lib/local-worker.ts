/**
 * Runs the BUNDLED worker (`dist/worker/index.js`, byte for byte what gets
 * uploaded) in workerd through Miniflare, with the bindings production gets.
 *
 * Every binding, the Durable Object class, the compatibility settings and the
 * var names come from `worker/bindings.ts`; nothing here repeats a name. Used
 * by `npm start`, the end-to-end tests, the benchmark and `npm run verify`.
 */
import { createServer } from "node:net";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { Log, LogLevel, Miniflare, MiniflareCoreError } from "miniflare";
import {
  COMPATIBILITY_DATE,
  COMPATIBILITY_FLAGS,
  MAIN_MODULE,
  MCP_AGENT,
  RATE_LIMITER,
  WORKER_VARS,
  type WorkerVarName,
} from "../../worker/bindings.ts";
import { WORKER_BUNDLE } from "../../infra/worker-bundle.ts";
import { startFrontDoor, type FrontDoor } from "./front-door.ts";

/** Plain-text vars for the worker, keyed by the names declared in `WORKER_VARS`. */
export type WorkerVars = Partial<Record<WorkerVarName, string>>;

export interface StartLocalWorkerOptions {
  /** The bundled ES module to run. @default dist/worker/index.js (`WORKER_BUNDLE`) */
  readonly bundlePath?: string;
  /**
   * The worker's vars. Only names declared in `WORKER_VARS` are accepted (a
   * typo would otherwise silently fall back to a default). Missing required
   * vars are passed through as missing: the worker answers 503 naming them.
   */
  readonly vars: WorkerVars;
  /** TCP port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Interface to listen on. @default "127.0.0.1" */
  readonly host?: string;
  /**
   * Directory for Durable Object storage, kept across restarts. Omitted:
   * storage lives in memory and is gone after `dispose()`.
   */
  readonly persistDir?: string;
  /**
   * Requests per `RATE_LIMITER.periodSeconds` the rate-limiting binding allows
   * per key. @default RATE_LIMIT_PER_MINUTE (or its declared default) scaled to the period
   */
  readonly rateLimit?: number;
  /** Forward Miniflare's own log lines (not the worker's console, which is always shown). @default false */
  readonly verbose?: boolean;
  /**
   * Receives workerd's stdout and stderr, where the worker's `console` output
   * goes, instead of them being printed (tests assert on the worker's logs).
   * @default printed to this process's stdout and stderr
   */
  readonly handleRuntimeStdio?: (stdout: Readable, stderr: Readable) => void;
  /**
   * Put the HTTP/1.1 front (`front-door.ts`) before workerd, as Cloudflare's
   * edge is before a deployed Worker: malformed framing gets 400, a client that
   * leaves mid-request never reaches the Worker. `false` exposes workerd's
   * socket directly (the benchmark, which measures the Worker, not the front).
   * @default true
   */
  readonly front?: boolean;
}

export interface LocalWorker {
  /** Origin the worker listens on, `http://<host>:<port>` (no trailing slash). */
  readonly url: string;
  /** The Miniflare instance, for direct access to bindings in tests. */
  readonly mf: Miniflare;
  /** workerd's own socket (behind the front, if any). */
  readonly workerdUrl: string;
  /** Stops workerd; calling it again is a no-op. Persisted storage (if any) stays on disk. */
  dispose(): Promise<void>;
}

/** Thrown when the requested port is already in use, so callers can print a clear message. */
export class PortInUseError extends Error {
  readonly code = "ERR_PORT_IN_USE";
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} on ${host} is already in use; stop the other process or pick another port with --port`);
    this.name = "PortInUseError";
  }
}

export async function startLocalWorker(options: StartLocalWorkerOptions): Promise<LocalWorker> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const vars = checkVars(options.vars);
  // workerd reports a taken port only as a generic startup failure; probing
  // first turns the common case into an error that says what to do.
  if (port !== 0) await assertPortFree(host, port);

  const bundlePath = options.bundlePath ?? WORKER_BUNDLE;
  const front = options.front ?? true;
  const mf = new Miniflare({
    // Behind the front, workerd listens on a loopback port of its own.
    host: front ? "127.0.0.1" : host,
    port: front ? 0 : port,
    log: new Log(options.verbose ? LogLevel.INFO : LogLevel.WARN),
    // Named MAIN_MODULE under its own root, as in the uploaded script; a path
    // outside Miniflare's default root (the cwd) would not load at all.
    modulesRoot: dirname(bundlePath),
    modules: [{ type: "ESModule", path: join(dirname(bundlePath), MAIN_MODULE), contents: await readFile(bundlePath, "utf8") }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: [...COMPATIBILITY_FLAGS],
    bindings: vars,
    durableObjects: {
      [MCP_AGENT.binding]: { className: MCP_AGENT.className, useSQLite: true },
    },
    ratelimits: {
      [RATE_LIMITER.binding]: { simple: { limit: options.rateLimit ?? defaultRateLimit(vars), period: RATE_LIMITER.periodSeconds } },
    },
    durableObjectsPersist: options.persistDir ?? false,
    // Offline: use the placeholder `request.cf` instead of fetching a real one.
    cf: false,
    ...(options.handleRuntimeStdio ? { handleRuntimeStdio: options.handleRuntimeStdio } : {}),
  });
  let ready: URL;
  try {
    ready = await mf.ready;
  } catch (err) {
    // The startup error is the one worth reporting; a failed cleanup of a runtime that never started adds nothing.
    await mf.dispose().catch(() => undefined);
    // Lost the race between the probe and workerd's bind.
    if (err instanceof MiniflareCoreError && err.code === "ERR_ADDRESS_IN_USE") throw new PortInUseError(host, port);
    throw err;
  }
  let door: FrontDoor | undefined;
  if (front) {
    try {
      door = await startFrontDoor({ upstream: ready, host, port });
    } catch (err) {
      await mf.dispose().catch(() => undefined);
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new PortInUseError(host, port);
      throw err;
    }
  }
  let disposed: Promise<void> | undefined;
  return {
    url: door?.url ?? ready.origin,
    workerdUrl: ready.origin,
    mf,
    dispose: () => (disposed ??= (async () => {
      await door?.close();
      await mf.dispose();
    })()),
  };
}

function checkVars(vars: WorkerVars): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    if (!Object.hasOwn(WORKER_VARS, name)) {
      throw new Error(`unknown worker var "${name}"; declared vars: ${Object.keys(WORKER_VARS).join(", ")}`);
    }
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The binding counts per period; the var is per minute. */
function defaultRateLimit(vars: Record<string, string>): number {
  const perMinute = Number(vars[WORKER_VARS.RATE_LIMIT_PER_MINUTE.name] ?? WORKER_VARS.RATE_LIMIT_PER_MINUTE.default);
  const scaled = Math.ceil((perMinute * RATE_LIMITER.periodSeconds) / 60);
  return Number.isFinite(scaled) && scaled > 0 ? scaled : Number(WORKER_VARS.RATE_LIMIT_PER_MINUTE.default);
}

/** Rejects with `PortInUseError` if something already listens on `host:port`. */
export async function assertPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" ? new PortInUseError(host, port) : err);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
