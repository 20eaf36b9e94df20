/**
 * The venv cache's rules (scripts/lib/authgent/venv.ts), with a temporary
 * root and no real install: a failed install cleans up after itself, a
 * finished venv is reused without looking for Python, a lock whose owner died
 * is taken over, and a live lock is waited for.
 */
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuthgentSetupError } from "../../scripts/lib/authgent/errors.ts";
import { authgentVenvDir, ensureAuthgentVenv } from "../../scripts/lib/authgent/venv.ts";

/** An interpreter that cannot run: any install attempt fails at once. */
const BROKEN_PYTHON = { command: "/nonexistent/python3", version: "3.12.0" } as const;

describe("ensureAuthgentVenv's cache and lock", () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "authgent-venv-test-"));
    dir = await authgentVenvDir(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** What a completed install leaves: bin/python (here: node) and the ready marker. */
  async function finishInstall(): Promise<void> {
    await mkdir(join(dir, "bin"), { recursive: true });
    await symlink(process.execPath, join(dir, "bin", "python"));
    const venv = { dir, python: join(dir, "bin", "python"), cli: join(dir, "bin", "authgent-server"), serverVersion: "0", pythonVersion: "0" };
    await writeFile(join(dir, ".authgent-ready.json"), JSON.stringify(venv));
  }

  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as AuthgentSetupError);

  it("fails an install with ERR_VENV_INSTALL_FAILED and leaves neither a lock nor a half-made venv", async () => {
    expect((await failure(ensureAuthgentVenv({ root, python: BROKEN_PYTHON })))?.code).toBe("ERR_VENV_INSTALL_FAILED");
    expect(await readdir(root)).toEqual([]);
  });

  it("reuses a finished venv without looking for Python", async () => {
    await finishInstall();
    expect((await ensureAuthgentVenv({ root, python: BROKEN_PYTHON })).dir).toBe(dir);
  });

  it("reinstalls a venv whose interpreter is gone", async () => {
    await finishInstall();
    await rm(join(dir, "bin", "python"));
    expect((await failure(ensureAuthgentVenv({ root, python: BROKEN_PYTHON })))?.code).toBe("ERR_VENV_INSTALL_FAILED");
  });

  it("takes over a lock whose owner process is gone instead of waiting for it", async () => {
    await mkdir(`${dir}.lock`, { recursive: true });
    // Beyond Linux's largest pid_max: no such process.
    await writeFile(join(`${dir}.lock`, "owner"), "4194305");
    // It reaches the install (which fails on purpose) rather than waiting out the 5-minute lock timeout.
    expect((await failure(ensureAuthgentVenv({ root, python: BROKEN_PYTHON })))?.code).toBe("ERR_VENV_INSTALL_FAILED");
  });

  it("waits for a live lock holder and returns what it installed", async () => {
    await mkdir(`${dir}.lock`, { recursive: true });
    await writeFile(join(`${dir}.lock`, "owner"), String(process.pid));
    const waiting = ensureAuthgentVenv({ root, python: BROKEN_PYTHON });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await finishInstall();
    expect((await waiting).dir).toBe(dir);
  });
});
