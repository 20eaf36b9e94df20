/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, the
 * server on 127.0.0.1 on a free port (TCP only for clients; its socket stays
 * in the temp dir), `trust` authentication for the `postgres` superuser, and
 * everything removed on `stop()`.
 *
 * initdb and postgres refuse to run as root ("cannot be run as root"), and CI
 * runs as root: then both run as the `postgres` system user (Debian's package
 * creates it) through runuser, with the temp dir handed to that user.
 *
 * The cluster's default time zone is deliberately not UTC
 * (`DEFAULT_TIME_ZONE`): authgent-server's timestamps are only right when its
 * connection runs in UTC, and a test cluster in UTC would hide a URL that
 * forgets to say so (docs/authgent.md#the-postgres-url).
 */
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freeLoopbackPort } from "../../../scripts/lib/free-port.ts";
import { PostgresSetupError, type PostgresBinaries } from "./binaries.ts";

const run = promisify(execFile);

/** The cluster's `timezone` setting: anything but UTC (see the module comment). */
export const DEFAULT_TIME_ZONE = "America/New_York";
/** The superuser initdb creates; `trust` auth, so no password. */
export const SUPERUSER = "postgres";
/** Two authgent replicas use up to 15 connections each (db.py: pool_size 5 + max_overflow 10), several files at once. */
const MAX_CONNECTIONS = 300;
/** How long pg_ctl waits for start or stop, seconds. */
const PG_CTL_TIMEOUT_SECONDS = 30;

/** What test files need to reach a cluster another process started (serializable for `inject`). */
export interface PostgresClusterInfo {
  readonly binDir: string;
  readonly version: string;
  readonly host: "127.0.0.1";
  readonly port: number;
}

export interface PostgresCluster extends PostgresClusterInfo {
  /** Stops the server (fast shutdown) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export async function startPostgresCluster(binaries: PostgresBinaries): Promise<PostgresCluster> {
  const asUser = await serverUser();
  // The postgres user must reach the directory: root's TMPDIR may sit under /root (mode 700), /tmp never does.
  const base = asUser ? "/tmp" : tmpdir();
  const dir = await mkdtemp(join(base, "authgent-edge-pg-"));
  const dataDir = join(dir, "data");
  const logFile = join(dir, "server.log");
  if (asUser) {
    const { uid, gid } = asUser;
    await chown(dir, uid, gid);
  }
  const pgCtl = (args: readonly string[]) => asServerUser(asUser, dir, join(binaries.binDir, "pg_ctl"), ["-D", dataDir, ...args]);
  try {
    await asServerUser(asUser, dir, join(binaries.binDir, "initdb"), ["-D", dataDir, "-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C", "--no-sync"]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new PostgresSetupError("ERR_POSTGRES_START_FAILED", `initdb failed: ${outputOf(error)}`, { cause: error });
  }

  let port = 0;
  let started = false;
  // A free port can be taken between our probe and postgres's bind: try again once.
  for (let attempt = 0; attempt < 2 && !started; attempt++) {
    port = await freeLoopbackPort();
    const serverOptions = [
      `-h 127.0.0.1 -p ${port} -k ${dir}`,
      // A scratch cluster: durability buys nothing and costs fsyncs on a shared disk.
      "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
      `-c max_connections=${MAX_CONNECTIONS} -c timezone=${DEFAULT_TIME_ZONE}`,
    ].join(" ");
    try {
      await pgCtl(["-l", logFile, "-w", "-t", String(PG_CTL_TIMEOUT_SECONDS), "-o", serverOptions, "start"]);
      started = true;
    } catch (error) {
      if (attempt === 1) {
        const log = await readFile(logFile, "utf8").catch(() => "");
        await rm(dir, { recursive: true, force: true });
        throw new PostgresSetupError("ERR_POSTGRES_START_FAILED", `postgres did not start: ${outputOf(error)}\n${log.slice(-2000)}`, { cause: error });
      }
    }
  }

  // If the test process dies without stop(), do not leave a server behind.
  const onExit = (): void => {
    try {
      execFileSync(...syncCommand(asUser, join(binaries.binDir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-W", "stop"]), { stdio: "ignore" });
    } catch {
      // Already stopped.
    }
  };
  process.once("exit", onExit);

  let stopped = false;
  return {
    binDir: binaries.binDir,
    version: binaries.version,
    host: "127.0.0.1",
    port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off("exit", onExit);
      try {
        await pgCtl(["-m", "fast", "-w", "-t", String(PG_CTL_TIMEOUT_SECONDS), "stop"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A client of a running cluster: databases, one-shot SQL, and held sessions. */
export interface PostgresClient {
  readonly info: PostgresClusterInfo;
  /** Creates a database (a name of letters, digits and `_`) and returns its name. */
  createDatabase(name: string): Promise<string>;
  /** Runs `sql` in `database` with psql (`ON_ERROR_STOP`), returns unaligned, tuples-only output. */
  query(database: string, sql: string): Promise<string>;
  /** An open psql session, for statements that must hold a transaction (locks) across test steps. */
  session(database: string): Promise<PsqlSession>;
}

export function postgresClient(info: PostgresClusterInfo): PostgresClient {
  const psql = join(info.binDir, "psql");
  const base = (database: string) => ["-h", info.host, "-p", String(info.port), "-U", SUPERUSER, "-d", database, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"];
  const query = async (database: string, sql: string): Promise<string> => {
    try {
      const { stdout } = await run(psql, [...base(database), "-c", sql], { timeout: 30_000 });
      return stdout.trim();
    } catch (error) {
      throw new PostgresSetupError("ERR_POSTGRES_COMMAND_FAILED", `psql in ${database} failed: ${outputOf(error)}`, { cause: error });
    }
  };
  return {
    info,
    createDatabase: async (name) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use lower-case letters, digits and _`);
      await query("postgres", `CREATE DATABASE ${name}`);
      return name;
    },
    query,
    session: (database) => openSession(psql, base(database)),
  };
}

/** One psql process; each `run` waits for its statement to finish. */
export interface PsqlSession {
  /** Runs one or more statements and resolves with their output once all finished. */
  run(sql: string): Promise<string>;
  /** Ends the session (an open transaction is rolled back by the server). */
  close(): Promise<void>;
}

async function openSession(psql: string, args: readonly string[]): Promise<PsqlSession> {
  const child: ChildProcessWithoutNullStreams = spawn(psql, [...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  let sequence = 0;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    run: async (sql) => {
      const marker = `-- done ${++sequence} --`;
      const from = stdout.length;
      child.stdin.write(`${sql}\n\\echo '${marker}'\n`);
      const deadline = Date.now() + 30_000;
      while (!stdout.includes(marker, from)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new PostgresSetupError("ERR_POSTGRES_COMMAND_FAILED", `psql session: ${JSON.stringify(sql)} did not finish: ${stderr.slice(-1000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return stdout.slice(from, stdout.indexOf(marker, from)).trim();
    },
    close: async () => {
      if (child.exitCode === null) {
        child.stdin.end();
        await exited;
      }
    },
  };
}

/** The `postgres` system user's ids when this is root (initdb refuses root), else undefined: run as ourselves. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await run("id", ["-u", SUPERUSER])).stdout.trim());
    const gid = Number((await run("id", ["-g", SUPERUSER])).stdout.trim());
    return { uid, gid };
  } catch (error) {
    throw new PostgresSetupError("ERR_POSTGRES_START_FAILED", `running as root, and there is no "${SUPERUSER}" user to run initdb and postgres as (PostgreSQL refuses root); install Debian's postgresql package, which creates it`, { cause: error });
  }
}

function syncCommand(asUser: { uid: number } | undefined, command: string, args: readonly string[]): [string, string[]] {
  return asUser ? ["runuser", ["-u", SUPERUSER, "--", command, ...args]] : [command, [...args]];
}

/** Runs `command` as the server user, in `cwd` (initdb needs a working directory that user can read). */
async function asServerUser(asUser: { uid: number } | undefined, cwd: string, command: string, args: readonly string[]): Promise<void> {
  const [file, argv] = syncCommand(asUser, command, args);
  // pg_ctl start leaves the server running with our stdout open unless it is redirected: -l does that.
  await run(file, argv, { timeout: 60_000, cwd });
}

function outputOf(error: unknown): string {
  if (error instanceof Error && "stderr" in error) return `${String(error.stderr).trim().slice(-2000)} (${error.message.split("\n")[0]})`;
  return String(error);
}
