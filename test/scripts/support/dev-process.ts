/**
 * `npm start` (scripts/dev.ts) as a user runs it, for the tests that drive it:
 * a child process whose output is collected, and the temporary state dirs and
 * processes a test leaves behind, undone after each test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../../../infra/worker-bundle.ts";

const TSX = resolve(REPO_ROOT, "node_modules/.bin/tsx");

export interface DevRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface DevHarness {
  /** Starts `npm start -- <args>`; a process still running at cleanup gets SIGTERM. */
  runDev(args: string[]): DevRun;
  /** A fresh state dir, removed at cleanup. */
  tempStateDir(): Promise<string>;
  /** Adds a step to the next cleanup; steps run last-added first. */
  onCleanup(step: () => Promise<void>): void;
  /** Undoes what the test left behind; call it from afterEach. */
  cleanup(): Promise<void>;
}

/** One harness per test file; `stateDirPrefix` names its temporary state dirs. */
export function devHarness(stateDirPrefix: string): DevHarness {
  const steps: (() => Promise<void>)[] = [];
  const onCleanup = (step: () => Promise<void>): void => void steps.push(step);
  return {
    onCleanup,
    async cleanup() {
      for (const step of steps.splice(0).reverse()) await step();
    },
    runDev(args) {
      const child = spawn(TSX, ["scripts/dev.ts", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
      const run: DevRun = {
        child,
        stdout: "",
        stderr: "",
        exited: new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal }))),
      };
      child.stdout?.on("data", (chunk: Buffer) => (run.stdout += chunk.toString("utf8")));
      child.stderr?.on("data", (chunk: Buffer) => (run.stderr += chunk.toString("utf8")));
      onCleanup(async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          await run.exited;
        }
      });
      return run;
    },
    async tempStateDir() {
      const dir = await mkdtemp(join(tmpdir(), stateDirPrefix));
      onCleanup(() => rm(dir, { recursive: true, force: true }));
      return dir;
    },
  };
}

/** Resolves with the first stdout match of `pattern`; rejects if the process exits first. */
export function waitForOutput(run: DevRun, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolveMatch, reject) => {
    const check = (): boolean => {
      const match = run.stdout.match(pattern);
      if (match) resolveMatch(match);
      return match !== null;
    };
    if (check()) return;
    run.child.stdout?.on("data", () => void check());
    void run.exited.then(({ code }) => {
      if (!check()) reject(new Error(`npm start exited (${code}) before printing ${pattern}:\n${run.stdout}\n${run.stderr}`));
    });
  });
}
