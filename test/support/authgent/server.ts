/**
 * The released authgent-server for tests (launched by
 * scripts/lib/authgent/process.ts, as its Dockerfile runs it), on 127.0.0.1
 * with SQLite in a temp dir.
 *
 * Settings are pydantic `Settings` with prefix `AUTHGENT_` (authgent_server/config.py):
 * - `SERVER_URL` becomes every token's `iss` and the metadata `issuer`
 *   (token_service.py `_handle_*`, wellknown.py `oauth_server_metadata`);
 * - `SECRET_KEY` derives the key that encrypts the stored signing keys
 *   (config.py `_kek_key`, jwks_service.py `_generate_key`); a fixed test value
 *   lets `restart()` decrypt the keys the previous process stored;
 * - `DATABASE_URL` is SQLite here; tables and the first signing key are created
 *   at startup (app.py `lifespan`).
 * The process runs with `dataDir` as cwd (so no stray `.env` is read).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { AuthgentSetupError } from "../../../scripts/lib/authgent/errors.ts";
import { inheritedEnv, spawnAuthgent, sqliteDatabaseUrl, type AuthgentProcess } from "../../../scripts/lib/authgent/process.ts";
import { freeLoopbackPort } from "../../../scripts/lib/free-port.ts";
import { createAuthgentClient, type AuthgentClient } from "./client.ts";
import { ensureAuthgentVenv, type AuthgentVenv } from "../../../scripts/lib/authgent/venv.ts";

const run = promisify(execFile);

/** A test-only value for `AUTHGENT_SECRET_KEY`; never used outside tests. */
export const TEST_SECRET_KEY = "authgent-edge-interop-test-secret-key-not-for-production";

/**
 * Settings the tests change from the server's defaults. The per-IP limit on
 * `/token` and `/register` (app.py `create_app`: RateLimitMiddleware with
 * `token_rate_limit`, default 100 per minute) would otherwise throttle a test
 * file that mints many tokens from 127.0.0.1.
 */
const TEST_DEFAULT_ENV: Readonly<Record<string, string>> = {
  AUTHGENT_TOKEN_RATE_LIMIT: "10000",
};

export interface StartAuthgentOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /**
   * Extra or overriding environment (usually `AUTHGENT_*` settings). Applied
   * last, so it may replace the defaults below, including `AUTHGENT_SERVER_URL`.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Directory for the SQLite database and the process's cwd. Given: kept on
   * `dispose()`. Omitted: a fresh temp dir, removed on `dispose()`.
   */
  readonly dataDir?: string;
  /** The venv to run from. @default await ensureAuthgentVenv() */
  readonly venv?: AuthgentVenv;
  /** How long to wait for `/ready`, milliseconds. @default 30000 */
  readonly readyTimeoutMs?: number;
}

export interface AuthgentServer extends AuthgentClient {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** `AUTHGENT_SERVER_URL`: the `iss` of every token. Equals `origin` unless `env` overrode it. */
  readonly issuer: string;
  readonly port: number;
  readonly dataDir: string;
  /** The full environment the server runs with (process env minus inherited `AUTHGENT_*`, plus settings). */
  readonly env: Readonly<Record<string, string>>;
  /** Whether the process is running. */
  readonly running: boolean;
  /** The server's stdout and stderr so far (structlog JSON lines), for diagnostics. */
  output(): string;
  /** Stops the process group (SIGTERM, then SIGKILL after 5 s). Data stays; `restart()` reuses it. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same env and data, and waits for `/ready`. */
  restart(): Promise<void>;
  /**
   * Runs `authgent-server rotate-keys` (cli.py `rotate_keys` → jwks_service.py
   * `rotate_key`: the active key becomes "rotated" and stays in the JWKS)
   * against the same database. Works while the server runs: it signs with the
   * key read from the database on every call (jwks_service.py `sign_jwt`).
   * @returns the new key's `kid`.
   */
  rotateKeys(): Promise<string>;
  /** `stop()`, then removes `dataDir` if this module created it. Idempotent. */
  dispose(): Promise<void>;
}

export async function startAuthgent(options: StartAuthgentOptions = {}): Promise<AuthgentServer> {
  const venv = options.venv ?? (await ensureAuthgentVenv());
  const port = options.port || (await freeLoopbackPort());
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "authgent-")));
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...inheritedEnv(),
    AUTHGENT_SERVER_URL: origin,
    AUTHGENT_SECRET_KEY: TEST_SECRET_KEY,
    AUTHGENT_DATABASE_URL: sqliteDatabaseUrl(join(dataDir, "authgent.db")),
    ...TEST_DEFAULT_ENV,
    ...options.env,
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  let proc: AuthgentProcess | undefined;
  /** Output of the last process, kept after it stopped. */
  let lastOutput = (): string => "";
  let disposed = false;

  const launch = async (): Promise<void> => {
    proc = await spawnAuthgent({ venv, port, env, cwd: dataDir, readyTimeoutMs });
    lastOutput = proc.output;
  };

  const stop = async (): Promise<void> => {
    const running = proc;
    proc = undefined;
    await running?.stop();
  };

  try {
    await launch();
  } catch (error) {
    await stop();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  const client = createAuthgentClient(origin);
  return {
    ...client,
    origin,
    issuer: env.AUTHGENT_SERVER_URL ?? origin,
    port,
    dataDir,
    env,
    get running() {
      return proc?.running ?? false;
    },
    output: () => lastOutput(),
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    rotateKeys: async () => {
      try {
        const { stdout } = await run(venv.cli, ["rotate-keys"], { cwd: dataDir, env, timeout: 60_000 });
        const kid = /new kid:\s*(\S+)/.exec(stdout)?.[1];
        if (!kid) throw new Error(`no "new kid" in output: ${stdout.slice(-500)}`);
        return kid;
      } catch (error) {
        throw new AuthgentSetupError("ERR_AUTHGENT_COMMAND_FAILED", `authgent-server rotate-keys failed: ${String(error)}`, { cause: error });
      }
    },
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await stop();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
