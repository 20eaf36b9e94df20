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
import { applyD1Migrations, type AppliedMigrations } from "./d1-migrations.ts";
import { startFrontDoor, type FrontDoor } from "./front-door.ts";
import { NO_LOCAL_BINDINGS, type LocalBindingsPlan } from "./local-bindings.ts";

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
   * Directory for Durable Object storage, kept across restarts; the server's
   * D1, KV, R2 and Analytics Engine data go to its `d1/`, `kv/`, `r2/` and
   * `analytics-engine/` subdirectories. Omitted: everything lives in memory
   * and is gone after `dispose()`.
   */
  readonly persistDir?: string;
  /**
   * The server's own bindings from its manifest (`planLocalBindings`); D1
   * migrations are applied before the worker is reported ready.
   * @default none (the kit's bindings only)
   */
  readonly bindings?: LocalBindingsPlan;
  /** Workers the service bindings reach, run in the same workerd, addressed by `name`. @default none */
  readonly services?: readonly LocalServiceWorker[];
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

/** Another Worker in the same workerd, reachable only through service bindings (no port of its own). */
export interface LocalServiceWorker {
  /** Its Miniflare worker name, the value of `serviceBindings`. */
  readonly name: string;
  /** Its bundled ES module. */
  readonly bundlePath: string;
  /** Text bindings (vars and secrets) it gets. @default {} */
  readonly text?: Readonly<Record<string, string>>;
}

export interface LocalWorker {
  /** D1 migrations applied at start, one entry per database with a migrations directory. */
  readonly migrations: readonly AppliedMigrations[];
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
  const plan = options.bindings ?? NO_LOCAL_BINDINGS;
  const persist = (sub: string): string | false => (options.persistDir ? join(options.persistDir, sub) : false);
  const services = await Promise.all((options.services ?? []).map(serviceWorkerOptions));
  const mf = new Miniflare({
    // Behind the front, workerd listens on a loopback port of its own.
    host: front ? "127.0.0.1" : host,
    port: front ? 0 : port,
    log: new Log(options.verbose ? LogLevel.INFO : LogLevel.WARN),
    durableObjectsPersist: options.persistDir ?? false,
    d1Persist: persist("d1"),
    kvPersist: persist("kv"),
    r2Persist: persist("r2"),
    analyticsEngineDatasetsPersist: persist("analytics-engine"),
    // Offline: use the placeholder `request.cf` instead of fetching a real one.
    cf: false,
    ...(options.handleRuntimeStdio ? { handleRuntimeStdio: options.handleRuntimeStdio } : {}),
    workers: [
      {
        // Named MAIN_MODULE under its own root, as in the uploaded script; a path
        // outside Miniflare's default root (the cwd) would not load at all.
        // Unnamed, as before services existed: Durable Object storage is keyed by the worker name.
        modulesRoot: dirname(bundlePath),
        modules: [{ type: "ESModule", path: join(dirname(bundlePath), MAIN_MODULE), contents: await readFile(bundlePath, "utf8") }],
        compatibilityDate: COMPATIBILITY_DATE,
        compatibilityFlags: [...COMPATIBILITY_FLAGS],
        // The manifest's vars and secrets cannot shadow the kit's (checkManifest refuses those names).
        bindings: { ...plan.text, ...vars },
        durableObjects: {
          ...plan.durableObjects,
          [MCP_AGENT.binding]: { className: MCP_AGENT.className, useSQLite: true },
        },
        ratelimits: {
          [RATE_LIMITER.binding]: { simple: { limit: options.rateLimit ?? defaultRateLimit(vars), period: RATE_LIMITER.periodSeconds } },
        },
        kvNamespaces: { ...plan.kvNamespaces },
        d1Databases: { ...plan.d1Databases },
        r2Buckets: { ...plan.r2Buckets },
        queueProducers: { ...plan.queueProducers },
        serviceBindings: { ...plan.serviceBindings },
        hyperdrives: { ...plan.hyperdrives },
        analyticsEngineDatasets: { ...plan.analyticsEngineDatasets },
        ...(plan.ai ? { ai: { binding: plan.ai.binding } } : {}),
      },
      ...services,
    ],
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
  let migrations: AppliedMigrations[];
  try {
    migrations = [];
    // In order, before the first request: a tool must never meet a half-migrated database.
    for (const { binding, dir } of plan.d1Migrations) migrations.push(await applyD1Migrations(await mf.getD1Database(binding), binding, dir));
  } catch (err) {
    await mf.dispose().catch(() => undefined);
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
    migrations,
    url: door?.url ?? ready.origin,
    workerdUrl: ready.origin,
    mf,
    dispose: () => (disposed ??= (async () => {
      await door?.close();
      await mf.dispose();
    })()),
  };
}

async function serviceWorkerOptions(service: LocalServiceWorker) {
  return {
    name: service.name,
    modulesRoot: dirname(service.bundlePath),
    modules: [{ type: "ESModule" as const, path: service.bundlePath, contents: await readFile(service.bundlePath, "utf8") }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: [...COMPATIBILITY_FLAGS],
    bindings: { ...service.text },
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
