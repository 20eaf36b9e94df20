/**
 * Finds a Python interpreter new enough for the pinned authgent-server.
 * `AUTHGENT_PYTHON` (an interpreter path or name) wins; otherwise the newest
 * of python3.13/3.12/3.11/python3 on PATH that is at least `MIN_PYTHON`.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MIN_PYTHON } from "./version.ts";

const run = promisify(execFile);

const CANDIDATES = ["python3.13", "python3.12", "python3.11", "python3"] as const;

export interface PythonInterpreter {
  /** What to exec: a path, or a name found on PATH. */
  readonly command: string;
  /** e.g. "3.11.7". */
  readonly version: string;
}

/** The first usable interpreter, or undefined with every reason a candidate was refused. */
export async function findPython(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ python: PythonInterpreter } | { python: undefined; reasons: string[] }> {
  const explicit = env.AUTHGENT_PYTHON?.trim();
  const candidates = explicit ? [explicit] : CANDIDATES;
  const reasons: string[] = [];
  for (const command of candidates) {
    const version = await pythonVersion(command);
    if (version === undefined) {
      reasons.push(`${command}: not found`);
      continue;
    }
    if (!atLeast(version, MIN_PYTHON)) {
      reasons.push(`${command}: ${version} is older than ${MIN_PYTHON.join(".")}`);
      continue;
    }
    return { python: { command, version } };
  }
  return { python: undefined, reasons };
}

async function pythonVersion(command: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(command, ["-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"], {
      timeout: 10_000,
    });
    const version = stdout.trim();
    return /^\d+\.\d+\.\d+$/.test(version) ? version : undefined;
  } catch {
    // ENOENT, a broken shim or a non-Python binary: all mean "not this one".
    return undefined;
  }
}

function atLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const [maj = 0, min = 0] = version.split(".").map(Number);
  return maj > major || (maj === major && min >= minor);
}
