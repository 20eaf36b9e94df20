/**
 * Every command-line tool in scripts/ as a new user meets it: `--help` prints
 * its usage and exits 0 without doing the work; a wrong invocation exits 2 and
 * says what was given.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(entry: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", entry, ...args], { cwd: REPO_ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const SCRIPTS = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
/** npm script → its entry file, for every script that runs one of scripts/*.ts. */
const CLIS = Object.entries(SCRIPTS).flatMap(([name, command]) => {
  const entry = /^tsx (scripts\/[\w-]+\.ts)$/.exec(command)?.[1];
  return entry === undefined ? [] : [{ name, entry, invocation: name === "start" ? "npm start" : `npm run ${name}` }];
});

/** Entries run with `npx tsx` because their output is meant for `$(…)` (docs/worker.md), not through npm. */
const DIRECT_ENTRIES = ["scripts/dpop-proof.ts"];

// Each case is a child process that mostly waits on module loading: run them side by side.
describe.concurrent("every CLI in scripts/", () => {
  it("covers every entry in scripts/: each is an npm script (so the cases below reach it) or run directly", () => {
    const entries = readdirSync(join(REPO_ROOT, "scripts"))
      .filter((file) => file.endsWith(".ts"))
      .map((file) => `scripts/${file}`);
    expect([...CLIS.map((c) => c.entry), ...DIRECT_ENTRIES].sort()).toEqual(entries.sort());
  });

  it.each(CLIS)("$invocation -- --help prints its usage and exits 0", async ({ entry, invocation }) => {
    const help = await run(entry, ["--help"]);
    expect(help.code).toBe(0);
    // keygen prints help on stderr: its stdout is meant to be piped into `pulumi config set`.
    const text = help.stdout + help.stderr;
    const name = invocation === "npm start" ? "start" : `run (--silent )?${invocation.slice("npm run ".length)}`;
    expect(text).toMatch(new RegExp(`^usage: npm ${name}\\b`, "im"));
  });

  // npm start's and keygen's unknown-flag exits are tested with the rest of their command lines (dev.test.ts, keygen.test.ts).
  it.each(CLIS.filter((c) => c.name !== "start" && c.name !== "keygen"))("$invocation exits 2 naming an unknown option", async ({ entry }) => {
    const wrong = await run(entry, ["--no-such-option"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--no-such-option");
  });
});

describe.concurrent("messages that say what the user did", () => {
  it("npm run build -- --help does not build", async () => {
    const help = await run("scripts/build.ts", ["--help"]);
    expect(help.stdout).not.toMatch(/sha256/);
  });

  it("npm run verify with no arguments says nothing was given to check", async () => {
    const none = await run("scripts/verify.ts", []);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("nothing to check: give the MCP URL of a deployment, or --stack <name>");
    expect(none.stderr).not.toContain("not both");
  });

  it("npm run verify with a URL and --stack names both", async () => {
    const both = await run("scripts/verify.ts", ["https://mcp.example.com/mcp", "--stack", "staging"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("got both an MCP URL (https://mcp.example.com/mcp) and --stack staging");
  });

  it("npm run bench with a bad number names the flag and value, and exits 2 before any work", async () => {
    const bad = await run("scripts/bench.ts", ["--duration", "ten"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--duration must be a positive integer, got "ten"');
    expect(bad.stdout).not.toContain("Built");
    // 0 is a valid --rounds (no interleaved rounds), a negative count is not.
    const negative = await run("scripts/bench.ts", ["--rounds=-1"]);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--rounds must be a whole number ≥ 0, got "-1"');
    const zeroSeconds = await run("scripts/bench.ts", ["--round-seconds", "0"]);
    expect(zeroSeconds.stderr).toContain('--round-seconds must be a positive integer, got "0"');
  });
});
