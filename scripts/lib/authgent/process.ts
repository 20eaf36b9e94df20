/**
 * Runs the released authgent-server as a child process the way its Dockerfile
 * does (`uvicorn authgent_server.app:create_app --factory --host ... --port ...`),
 * on 127.0.0.1, and stops it. Shared by `npm start -- --authgent` and the
 * interop tests (test/support/authgent/server.ts).
 *
 * Settings are pydantic `Settings` with prefix `AUTHGENT_` (authgent_server/config.py).
 * The process runs in its own process group with `cwd` as its working
 * directory (config.py `env_file=".env"` is relative to the cwd, so a cwd of
 * our own means no stray `.env` is read), and inherits no `AUTHGENT_*` a
 * developer may have exported.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { AuthgentSetupError } from "./errors.ts";
import type { AuthgentVenv } from "./venv.ts";

/** How long `killAuthgentProcess` waits after SIGTERM before SIGKILL, milliseconds. */
const KILL_GRACE_MS = 5_000;

export interface SpawnAuthgentOptions {
  readonly venv: AuthgentVenv;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** The complete environment (see `authgentBaseEnv`). */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory (holds nothing but what the settings point at). */
  readonly cwd: string;
  /** How long to wait for `/ready`, milliseconds. @default 30000 */
  readonly readyTimeoutMs?: number;
}

export interface AuthgentProcess {
  readonly child: ChildProcess;
  /** Whether the process is still running. */
  readonly running: boolean;
  /** Its stdout and stderr so far (structlog JSON lines, last 256 KiB), for diagnostics. */
  output(): string;
  /** SIGTERM to the process group, SIGKILL after 5 s; resolves once it exited. Idempotent. */
  stop(): Promise<void>;
}

/** Live processes, killed synchronously if this Node process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts the server and resolves once `/ready` answers.
 * @throws AuthgentSetupError ERR_AUTHGENT_START_FAILED (the process is stopped first).
 */
export async function spawnAuthgent(options: SpawnAuthgentOptions): Promise<AuthgentProcess> {
  installExitHook();
  const child = spawn(
    options.venv.python,
    ["-m", "uvicorn", "authgent_server.app:create_app", "--factory", "--host", "127.0.0.1", "--port", String(options.port)],
    { cwd: options.cwd, env: { ...options.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  live.add(child);
  child.once("exit", () => live.delete(child));
  let output = "";
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-256 * 1024);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const proc: AuthgentProcess = {
    child,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    output: () => output,
    stop: () => killAuthgentProcess(child),
  };
  await waitReady(proc, `http://127.0.0.1:${options.port}/ready`, options.readyTimeoutMs ?? 30_000);
  return proc;
}

/** The parent's environment without any `AUTHGENT_*` a developer may have exported. */
export function inheritedEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !name.startsWith("AUTHGENT_")) inherited[name] = value;
  }
  return inherited;
}

/** `AUTHGENT_DATABASE_URL` for a SQLite file: four slashes make an absolute path (SQLAlchemy URL form). */
export function sqliteDatabaseUrl(file: string): string {
  return `sqlite+aiosqlite:///${file}`;
}


/**
 * Polls `/ready` (health.py `ready`: database reachable and an active signing
 * key) rather than `/health`, which answers before the keys are usable.
 */
async function waitReady(proc: AuthgentProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running) {
      const { exitCode, signalCode } = proc.child;
      throw new AuthgentSetupError("ERR_AUTHGENT_START_FAILED", `authgent-server exited (${exitCode ?? signalCode}) before it was ready:\n${proc.output().slice(-4000)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      await response.body?.cancel();
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await proc.stop();
  throw new AuthgentSetupError("ERR_AUTHGENT_START_FAILED", `authgent-server not ready at ${url} after ${timeoutMs} ms:\n${proc.output().slice(-4000)}`);
}

async function killAuthgentProcess(proc: ChildProcess): Promise<void> {
  const pid = proc.pid;
  if (proc.exitCode !== null || proc.signalCode !== null || pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  signalGroup(pid, "SIGTERM");
  const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Sends `signal` to the whole group (detached: true made the child its leader): uvicorn and any worker it forked. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed or killed parent must not leave servers behind holding ports.
  process.once("exit", () => {
    for (const proc of live) if (proc.pid !== undefined) signalGroup(proc.pid, "SIGKILL");
  });
}
