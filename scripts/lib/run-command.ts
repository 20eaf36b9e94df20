import { execFile, type ExecFileOptions } from "node:child_process";

/** What a finished command left: exit code (-1 for a signal or a spawn failure) and its output. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `file` with `args` and resolves with its exit code and output, also
 * when it exits non-zero: for callers that report the code themselves
 * (CLIs under test, a child program that answers on stdout and exits 1).
 * Output beyond 16 MiB fails the command (code -1).
 */
export function runCommand(file: string, args: readonly string[], options: ExecFileOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { maxBuffer: 16 * 1024 * 1024, ...options, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
