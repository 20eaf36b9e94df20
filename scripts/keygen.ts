/**
 * `npm run --silent keygen -- --stack <stack> [--path <config path>] [--out <file>]`
 *
 * Generates a random secret for the `authgent:` block (by default
 * authgent-server's `AUTHGENT_SECRET_KEY`; also the Postgres password and
 * the registration token) and shows how to store it as an encrypted Pulumi
 * config value. The secret goes to stdout, for a pipe straight into
 * `pulumi config set --secret`, or with `--out` to a new owner-only file
 * outside the repository; nowhere else. It never writes into the repository.
 */
import { randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { configSetSecretCommand, keygenPipeCommand, SECRET_KEY_CONFIG_PATH } from "../infra/authgent/commands.ts";
import type { RequiredSecretPath } from "../infra/authgent/required-secrets.ts";
import { REPO_ROOT } from "../infra/worker-bundle.ts";

/** Config paths keygen makes values for (the URL of an external database is not random). */
const KEYGEN_PATHS: readonly RequiredSecretPath[] = ["authgent.secretKey", "authgent.database.password", "authgent.registration.token"];

/**
 * 32 random bytes as hex: what authgent-server generates itself when
 * AUTHGENT_SECRET_KEY is unset (config.py `secrets.token_hex(32)`), and safe
 * unescaped in a database URL.
 */
const SECRET_BYTES = 32;

export const USAGE = `usage: npm run --silent keygen -- --stack <stack> [--path <config path>] [--out <file>]

Generates a random secret (${SECRET_BYTES} bytes, hex) for the stack's authgent: block.
  --path <path>  the config value it is for: ${KEYGEN_PATHS.join(", ")} (default ${SECRET_KEY_CONFIG_PATH})
  without --out  the secret is written to stdout, to pipe into Pulumi:
                   ${keygenPipeCommand("<stack>")}
  --out <file>   the secret is written to a new file outside the repository
                 (mode 0600; an existing file is never overwritten)
  -h, --help     this text
`;

/** Owner read/write only. */
const FILE_MODE = 0o600;

export interface KeygenIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
  readonly stderr: { write(text: string): unknown };
}

/** Runs the command; returns the exit code. Never throws for user errors. */
export async function runKeygen(argv: readonly string[], io: KeygenIo): Promise<number> {
  let values: { stack?: string | undefined; path?: string | undefined; out?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { stack: { type: "string" }, path: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`keygen: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const stack = values.stack;
  if (!stack) {
    io.stderr.write(`keygen: --stack is required (the command it prints sets the value on that stack)\n\n${USAGE}`);
    return 2;
  }
  const path = values.path ?? SECRET_KEY_CONFIG_PATH;
  if (!KEYGEN_PATHS.includes(path as RequiredSecretPath)) {
    io.stderr.write(`keygen: --path must be one of ${KEYGEN_PATHS.join(", ")}, got "${path}"\n\n${USAGE}`);
    return 2;
  }
  const pipe = keygenPipeCommand(stack, path);
  if (values.out === undefined && io.stdout.isTTY) {
    // A secret printed to a terminal lives on in scrollback and screen shares.
    io.stderr.write(`keygen: refusing to print a secret to a terminal. Pipe it into Pulumi:\n  ${pipe}\nor write it to a file with --out <file>.\n`);
    return 1;
  }

  const secret = randomBytes(SECRET_BYTES).toString("hex");
  if (values.out === undefined) {
    // No trailing newline: the pipe's bytes are the value.
    io.stdout.write(secret);
    io.stderr.write(`keygen: wrote a ${SECRET_BYTES}-byte secret for ${path} to stdout. If stdout was not piped into Pulumi, store one with:\n  ${pipe}\n`);
    return 0;
  }

  const file = resolve(values.out);
  if (isInside(file, REPO_ROOT)) {
    io.stderr.write(`keygen: ${values.out} is inside the repository (${REPO_ROOT}); a secret there is one \`git add\` away from a commit. Write it elsewhere, e.g. --out ~/authgent-${stack}.secret\n`);
    return 1;
  }
  try {
    // "wx": never overwrite an existing file (it may hold the secret in service).
    const handle = await open(file, "wx", FILE_MODE);
    try {
      await handle.writeFile(secret);
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr.write(
      code === "EEXIST"
        ? `keygen: ${values.out} already exists; choose a new file name (an existing secret is never overwritten)\n`
        : `keygen: cannot write ${values.out}: ${(err as Error).message}\n`,
    );
    return 1;
  }
  io.stdout.write(
    `Wrote a ${SECRET_BYTES}-byte secret for ${path} to ${values.out} (mode 0600).\n` +
      `Store it encrypted in the stack config:\n  ${configSetSecretCommand(path, stack, values.out)}\n` +
      `Then keep the file somewhere safe offline, or delete it: Pulumi holds the value from now on.\n`,
  );
  return 0;
}

function isInside(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runKeygen(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}
