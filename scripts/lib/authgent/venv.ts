/**
 * A project-local virtualenv with the pinned authgent-server, installed once
 * and reused: `node_modules/.cache/authgent-venv/<version>-<constraints hash>/`
 * (ignored by git with the rest of node_modules). A change of the pin or of
 * `constraints.txt` selects a new directory; an old one is simply unused.
 *
 * Safe to call from several vitest workers or processes at once: the install
 * runs under a lock directory (mkdir is atomic); waiters poll for the
 * finished marker. A lock whose owner died is taken over. POSIX layout only
 * (`bin/`), like the server's own Dockerfile.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AuthgentSetupError } from "./errors.ts";
import { findPython, type PythonInterpreter } from "./python.ts";
import { AUTHGENT_CONSTRAINTS_FILE, AUTHGENT_SERVER_REQUIREMENT, AUTHGENT_SERVER_VERSION, AUTHGENT_VENV_REQUIREMENTS, MIN_PYTHON } from "./version.ts";

const run = promisify(execFile);

/** Where venvs live: under node_modules so `npm ci` or a CI cache of node_modules carries them. */
export const AUTHGENT_VENV_ROOT = fileURLToPath(new URL("../../../node_modules/.cache/authgent-venv/", import.meta.url));

/** Written last, so its presence means the install completed. */
const READY_MARKER = ".authgent-ready.json";
/** How long a waiter polls a live lock holder before giving up. A cold pip install takes ~20 s here. */
const LOCK_TIMEOUT_MS = 5 * 60_000;
const LOCK_POLL_MS = 250;
/** pip's own network timeout per request, seconds. */
const PIP_TIMEOUT_SECONDS = 60;

export interface AuthgentVenv {
  /** The virtualenv directory. */
  readonly dir: string;
  /** Its interpreter: run the server as `<python> -m uvicorn ...`. */
  readonly python: string;
  /** Its `authgent-server` console script (the CLI: rotate-keys, status, ...). */
  readonly cli: string;
  /** The installed authgent-server version (the pin). */
  readonly serverVersion: string;
  /** The base interpreter's version the venv was made from. */
  readonly pythonVersion: string;
}

export interface EnsureVenvOptions {
  /** Parent of the per-pin directories. @default AUTHGENT_VENV_ROOT */
  readonly root?: string;
  /** Interpreter to build the venv from. @default findPython() */
  readonly python?: PythonInterpreter;
  /** Called with progress lines (cold install only). @default no output */
  readonly log?: (line: string) => void;
}

/**
 * Returns the venv with the pinned server, installing it first if needed.
 * @throws AuthgentSetupError ERR_PYTHON_MISSING, ERR_VENV_INSTALL_FAILED or ERR_VENV_LOCK_TIMEOUT.
 */
export async function ensureAuthgentVenv(options: EnsureVenvOptions = {}): Promise<AuthgentVenv> {
  const root = options.root ?? AUTHGENT_VENV_ROOT;
  const dir = await authgentVenvDir(root);
  const ready = await readMarker(dir);
  if (ready) return ready;

  const python = options.python ?? (await requirePython());
  await mkdir(root, { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    if (await tryLock(lock)) break;
    const done = await readMarker(dir);
    if (done) return done;
    if (Date.now() > deadline) {
      throw new AuthgentSetupError("ERR_VENV_LOCK_TIMEOUT", `another process has been installing ${dir} for over ${LOCK_TIMEOUT_MS / 1000} s; remove ${lock} if it is stale`);
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    // Someone may have finished between our marker check and our lock.
    const done = await readMarker(dir);
    if (done) return done;
    return await install(dir, python, options.log ?? (() => undefined));
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * `<root>/<version>-<first 12 hex of sha256(requirements + constraints.txt)>`:
 * a new pin, extra, package or constraint set gets a new venv.
 */
export async function authgentVenvDir(root: string = AUTHGENT_VENV_ROOT): Promise<string> {
  const constraints = await readFile(AUTHGENT_CONSTRAINTS_FILE, "utf8");
  const hash = createHash("sha256").update(`${AUTHGENT_VENV_REQUIREMENTS.join("\n")}\n`).update(constraints).digest("hex").slice(0, 12);
  return join(root, `${AUTHGENT_SERVER_VERSION}-${hash}`);
}

async function requirePython(): Promise<PythonInterpreter> {
  const found = await findPython();
  if (found.python) return found.python;
  throw new AuthgentSetupError(
    "ERR_PYTHON_MISSING",
    `Python >= ${MIN_PYTHON.join(".")} is needed to run ${AUTHGENT_SERVER_REQUIREMENT} (${found.reasons.join("; ")}); install it or point AUTHGENT_PYTHON at one`,
  );
}

async function install(dir: string, python: PythonInterpreter, log: (line: string) => void): Promise<AuthgentVenv> {
  // A directory without the marker is a crashed install: start over.
  await rm(dir, { recursive: true, force: true });
  log(`installing ${AUTHGENT_SERVER_REQUIREMENT} with Python ${python.version} into ${dir}`);
  const venvPython = join(dir, "bin", "python");
  try {
    await run(python.command, ["-m", "venv", dir], { timeout: 120_000 });
    await run(
      venvPython,
      [
        "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
        "--timeout", String(PIP_TIMEOUT_SECONDS),
        "-c", AUTHGENT_CONSTRAINTS_FILE,
        ...AUTHGENT_VENV_REQUIREMENTS,
      ],
      { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const output = error instanceof Error && "stderr" in error ? String(error.stderr).slice(-2000) : "";
    throw new AuthgentSetupError("ERR_VENV_INSTALL_FAILED", `installing ${AUTHGENT_SERVER_REQUIREMENT} failed: ${output || String(error)}`, { cause: error });
  }
  const venv: AuthgentVenv = {
    dir,
    python: venvPython,
    cli: join(dir, "bin", "authgent-server"),
    serverVersion: AUTHGENT_SERVER_VERSION,
    pythonVersion: python.version,
  };
  await writeFile(join(dir, READY_MARKER), JSON.stringify(venv, null, 2));
  return venv;
}

async function readMarker(dir: string): Promise<AuthgentVenv | undefined> {
  let venv: AuthgentVenv;
  try {
    venv = JSON.parse(await readFile(join(dir, READY_MARKER), "utf8")) as AuthgentVenv;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  // bin/python links to the interpreter the venv was made from; if that was
  // removed (a Python upgrade), the venv is dead: report it as not installed.
  try {
    await access(venv.python);
  } catch {
    return undefined;
  }
  return venv;
}

/** mkdir is atomic: exactly one caller creates the lock. A lock whose owner process is gone is removed. */
async function tryLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(join(lock, "owner"), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const owner = Number(await readFile(join(lock, "owner"), "utf8").catch(() => ""));
  // No owner file yet: the holder is between mkdir and writeFile; wait.
  if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
    await rm(lock, { recursive: true, force: true });
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
