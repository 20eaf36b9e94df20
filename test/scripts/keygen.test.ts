import { execFile } from "node:child_process";
import { createPrivateKey } from "node:crypto";
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

interface Captured extends KeygenIo {
  readonly out: string[];
  readonly err: string[];
}

function io(isTTY = false): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: { write: (text: string) => out.push(text), isTTY }, stderr: { write: (text: string) => err.push(text) } };
}

/** Asserts `pem` is what Authgent's AUTHGENT_SIGNING_ALG=ES256 needs: a P-256 private key in PKCS#8 PEM. */
function expectEs256Pkcs8(pem: string): void {
  expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n?$/);
  const key = createPrivateKey(pem);
  expect(key.asymmetricKeyType).toBe("ec");
  expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keygen-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("npm run keygen", () => {
  it("writes an ES256 PKCS#8 key to a pipe and the exact pulumi command to stderr, creating no file", async () => {
    // The real script in a child process: stdout is a pipe, as in `keygen | pulumi config set`.
    const { stdout, stderr } = await run(TSX, [SCRIPT, "--stack", "production"], { cwd: dir });
    expectEs256Pkcs8(stdout);
    expect(stderr).toContain(
      "npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.signingKey --stack production",
    );
    expect(stderr).not.toContain("PRIVATE KEY");
    expect(await readdir(dir)).toEqual([]);
  });

  it("makes a different key every run", async () => {
    const first = io();
    const second = io();
    await runKeygen(["--stack", "staging"], first);
    await runKeygen(["--stack", "staging"], second);
    expect(first.out.join("")).not.toBe(second.out.join(""));
  });

  it("refuses to print the key to a terminal and says how to pipe it instead", async () => {
    const terminal = io(true);
    expect(await runKeygen(["--stack", "production"], terminal)).toBe(1);
    expect(terminal.out).toEqual([]);
    expect(terminal.err.join("")).toContain("refusing to print a private key to a terminal");
    expect(terminal.err.join("")).toContain("| pulumi config set --secret --path authgent.signingKey --stack production");
  });

  it("writes --out with mode 0600 and prints the pulumi command reading that file", async () => {
    const file = join(dir, "ec-private.pem");
    const captured = io(true);
    expect(await runKeygen(["--stack", "production", "--out", file], captured)).toBe(0);
    expectEs256Pkcs8(await readFile(file, "utf8"));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const printed = captured.out.join("");
    expect(printed).toContain(`pulumi config set --secret --path authgent.signingKey --stack production < ${file}`);
    expect(printed).not.toContain("PRIVATE KEY");
  });

  it("never overwrites an existing file", async () => {
    const file = join(dir, "ec-private.pem");
    await writeFile(file, "the key in service\n");
    const captured = io();
    expect(await runKeygen(["--stack", "production", "--out", file], captured)).toBe(1);
    expect(await readFile(file, "utf8")).toBe("the key in service\n");
    expect(captured.err.join("")).toContain(`${file} already exists; choose a new file name`);
  });

  it("quotes a file name with spaces in the printed command", async () => {
    const file = join(dir, "my key.pem");
    const captured = io();
    await runKeygen(["--stack", "production", "--out", file], captured);
    expect(captured.out.join("")).toContain(`< '${file}'`);
  });

  it("requires --stack and rejects unknown options with usage", async () => {
    const missing = io();
    expect(await runKeygen([], missing)).toBe(2);
    expect(missing.err.join("")).toContain("--stack is required");
    const unknown = io();
    expect(await runKeygen(["--stack", "production", "--force"], unknown)).toBe(2);
    expect(unknown.err.join("")).toContain("usage: npm run --silent keygen -- --stack <stack> [--out <file>]");
    expect(missing.out.concat(unknown.out)).toEqual([]);
  });
});
