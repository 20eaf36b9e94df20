/**
 * Finds the PostgreSQL server binaries (initdb, pg_ctl, psql) the tests run
 * a throwaway cluster with, and installs Debian's `postgresql` package when
 * they are missing and this process may (root with apt-get, as CI is).
 *
 * `POSTGRES_BIN` (a directory) wins; otherwise the newest
 * `/usr/lib/postgresql/<major>/bin` (Debian's layout; its PATH has only
 * wrappers that need a configured cluster), then PATH.
 */
import { execFile } from "node:child_process";
import { access, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { CodedError } from "../../../scripts/lib/coded-error.ts";

const run = promisify(execFile);

/** Debian's per-major install root. */
const DEBIAN_ROOT = "/usr/lib/postgresql";
/** What a cluster needs. */
const REQUIRED = ["initdb", "pg_ctl", "psql"] as const;

export interface PostgresBinaries {
  /** Directory holding initdb, pg_ctl and psql. */
  readonly binDir: string;
  /** `psql --version`'s number, e.g. "15.18". */
  readonly version: string;
}

export type PostgresSetupCode =
  /** No binaries, and this process cannot install them (not root, or no apt-get). */
  | "ERR_POSTGRES_MISSING"
  /** apt-get ran and failed; `message` has its output tail. */
  | "ERR_POSTGRES_INSTALL_FAILED"
  /** initdb or pg_ctl failed; `message` has the server log tail. */
  | "ERR_POSTGRES_START_FAILED"
  /** A psql command failed. */
  | "ERR_POSTGRES_COMMAND_FAILED";

export class PostgresSetupError extends CodedError<PostgresSetupCode> {}

/** The binaries, or every place looked at. */
export async function findPostgresBinaries(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ binaries: PostgresBinaries } | { binaries: undefined; reasons: string[] }> {
  const reasons: string[] = [];
  for (const dir of await candidateDirs(env)) {
    const missing = [];
    for (const name of REQUIRED) {
      if (!(await executable(join(dir, name)))) missing.push(name);
    }
    if (missing.length > 0) {
      reasons.push(`${dir}: no ${missing.join(", ")}`);
      continue;
    }
    const version = await psqlVersion(join(dir, "psql"));
    if (version) return { binaries: { binDir: dir, version } };
    reasons.push(`${dir}/psql: does not run`);
  }
  if (reasons.length === 0) reasons.push(`no ${DEBIAN_ROOT}/<version>/bin and no initdb on PATH`);
  return { binaries: undefined, reasons };
}

export interface EnsurePostgresOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines (install only). @default no output */
  readonly log?: (line: string) => void;
  /**
   * Installs the binaries, or `null` where nothing may be installed.
   * @default apt-get install postgresql when this is root and /usr/bin/apt-get exists, else null
   */
  readonly install?: ((log: (line: string) => void) => Promise<void>) | null;
}

/**
 * The binaries, installing Debian's `postgresql` first when they are
 * missing and this is root with apt-get (CI runs as root on a clean image).
 * @throws PostgresSetupError ERR_POSTGRES_MISSING or ERR_POSTGRES_INSTALL_FAILED.
 */
export async function ensurePostgresBinaries(options: EnsurePostgresOptions = {}): Promise<PostgresBinaries> {
  const env = options.env ?? process.env;
  const found = await findPostgresBinaries(env);
  if (found.binaries) return found.binaries;
  const install = options.install === undefined ? await defaultInstaller() : options.install;
  if (install === null) {
    throw new PostgresSetupError(
      "ERR_POSTGRES_MISSING",
      `PostgreSQL server binaries are needed (${found.reasons.join("; ")}); install Debian's postgresql package (apt-get install postgresql) or point POSTGRES_BIN at a directory with initdb, pg_ctl and psql`,
    );
  }
  await install(options.log ?? (() => undefined));
  const after = await findPostgresBinaries(env);
  if (after.binaries) return after.binaries;
  throw new PostgresSetupError("ERR_POSTGRES_INSTALL_FAILED", `apt-get installed postgresql but no binaries were found (${after.reasons.join("; ")})`);
}

/** apt-get as root (CI's case), or nothing. */
async function defaultInstaller(): Promise<((log: (line: string) => void) => Promise<void>) | null> {
  return process.getuid?.() === 0 && (await executable("/usr/bin/apt-get")) ? aptInstallPostgres : null;
}

async function aptInstallPostgres(log: (line: string) => void): Promise<void> {
  log("installing Debian's postgresql package (apt-get)");
  // postgresql-common would otherwise create and start a "main" cluster on
  // port 5432 that nobody asked for (createcluster.conf `create_main_cluster`).
  await mkdir("/etc/postgresql-common/createcluster.d", { recursive: true });
  await writeFile("/etc/postgresql-common/createcluster.d/authgent-edge-tests.conf", "create_main_cluster = false\n");
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run("apt-get", ["update", "-qq"], { env: aptEnv, timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 });
    await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "postgresql"], { env: aptEnv, timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = error instanceof Error && "stderr" in error ? String(error.stderr).slice(-2000) : String(error);
    throw new PostgresSetupError("ERR_POSTGRES_INSTALL_FAILED", `apt-get install postgresql failed: ${output}`, { cause: error });
  }
}

async function candidateDirs(env: NodeJS.ProcessEnv): Promise<string[]> {
  const explicit = env.POSTGRES_BIN?.trim();
  if (explicit) return [explicit];
  const dirs: string[] = [];
  try {
    const majors = (await readdir(DEBIAN_ROOT)).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    dirs.push(...majors.map((major) => join(DEBIAN_ROOT, major, "bin")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  for (const dir of (env.PATH ?? "").split(":").filter(Boolean)) {
    if (await executable(join(dir, "initdb"))) dirs.push(dir);
  }
  return dirs;
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, 1);
    return true;
  } catch {
    // ENOENT or not executable: both mean "not here".
    return false;
  }
}

async function psqlVersion(psql: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(psql, ["--version"], { timeout: 10_000 });
    return /(\d+(?:\.\d+)+)/.exec(stdout)?.[1];
  } catch {
    // A broken install: the caller reports it as not usable.
    return undefined;
  }
}
