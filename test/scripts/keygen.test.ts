import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { runKeygen, type KeygenIo } from "../../scripts/keygen.ts";

const run = promisify(execFile);
const TSX = resolve(REPO_ROOT, "node_modules/.bin/tsx");
const SCRIPT = resolve(REPO_ROOT, "scripts/keygen.ts");
const PIPE = "npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.secretKey --stack production";
/** 32 random bytes as hex, like authgent-server's own `secrets.token_hex(32)` default; no trailing newline. */
const SECRET = /^[0-9a-f]{64}$/;

interface Captured extends KeygenIo {
  readonly out: string[];
  readonly err: string[];
}

function io(isTTY = false): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: { write: (text: string) => out.push(text), isTTY }, stderr: { write: (text: string) => err.push(text) } };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keygen-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("npm run keygen", () => {
  it("writes AUTHGENT_SECRET_KEY to a pipe and the exact pulumi command to stderr, creating no file", async () => {
    // The real script in a child process: stdout is a pipe, as in `keygen | pulumi config set`.
    const { stdout, stderr } = await run(TSX, [SCRIPT, "--stack", "production"], { cwd: dir });
    expect(stdout).toMatch(SECRET);
    expect(stderr).toContain(PIPE);
    expect(stderr).not.toContain(stdout);
    expect(await readdir(dir)).toEqual([]);
  });

  it("prints its usage on --help and exits 0, generating nothing", async () => {
    const { stdout, stderr } = await run(TSX, [SCRIPT, "--help"], { cwd: dir });
    expect(stdout).toContain("usage: npm run --silent keygen -- --stack <stack> [--path <config path>] [--out <file>]");
    expect(stdout).not.toMatch(/[0-9a-f]{64}/);
    expect(stderr).toBe("");
  });

  it("makes a different secret every run", async () => {
    const [first, second] = [io(), io()];
    await runKeygen(["--stack", "staging"], first);
    await runKeygen(["--stack", "staging"], second);
    expect(first.out.join("")).not.toBe(second.out.join(""));
  });

  it("names the config path it was asked for in the printed command", async () => {
    const captured = io();
    expect(await runKeygen(["--stack", "staging", "--path", "authgent.database.password"], captured)).toBe(0);
    expect(captured.err.join("")).toContain(
      "npm run --silent keygen -- --stack staging --path authgent.database.password | pulumi config set --secret --path authgent.database.password --stack staging",
    );
    const wrong = io();
    expect(await runKeygen(["--stack", "staging", "--path", "authgent.signingKey"], wrong)).toBe(2);
    expect(wrong.err.join("")).toContain('--path must be one of authgent.secretKey, authgent.database.password, authgent.registration.token, got "authgent.signingKey"');
  });

  it("refuses to print the secret to a terminal and says how to pipe it instead", async () => {
    const terminal = io(true);
    expect(await runKeygen(["--stack", "production"], terminal)).toBe(1);
    expect(terminal.out).toEqual([]);
    expect(terminal.err.join("")).toContain("refusing to print a secret to a terminal");
    expect(terminal.err.join("")).toContain(PIPE);
  });

  it("writes --out outside the repository with mode 0600 and prints the pulumi command reading that file", async () => {
    const file = join(dir, "authgent-production.secret");
    const captured = io(true);
    expect(await runKeygen(["--stack", "production", "--out", file], captured)).toBe(0);
    expect(await readFile(file, "utf8")).toMatch(SECRET);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(captured.out.join("")).toContain(`pulumi config set --secret --path authgent.secretKey --stack production < ${file}`);
  });

  it("never writes a secret into the repository", async () => {
    const inside = join(REPO_ROOT, "authgent-production.secret");
    const captured = io();
    expect(await runKeygen(["--stack", "production", "--out", inside], captured)).toBe(1);
    expect(captured.err.join("")).toContain("is inside the repository");
    await expect(stat(inside)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("never overwrites an existing file", async () => {
    const file = join(dir, "secret");
    await writeFile(file, "the secret in service");
    const captured = io();
    expect(await runKeygen(["--stack", "production", "--out", file], captured)).toBe(1);
    expect(await readFile(file, "utf8")).toBe("the secret in service");
    expect(captured.err.join("")).toContain(`${file} already exists; choose a new file name`);
  });

  it("requires --stack and rejects unknown options with usage", async () => {
    const missing = io();
    expect(await runKeygen([], missing)).toBe(2);
    expect(missing.err.join("")).toContain("--stack is required");
    const unknown = io();
    expect(await runKeygen(["--stack", "production", "--force"], unknown)).toBe(2);
    expect(unknown.err.join("")).toContain("usage: npm run --silent keygen");
    expect(missing.out.concat(unknown.out)).toEqual([]);
  });
});
