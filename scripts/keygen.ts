/**
 * `npm run --silent keygen -- --stack <stack> [--out <file>]`
 *
 * Generates Authgent's ES256 signing key (P-256, PKCS#8 PEM) and shows how
 * to store it as an encrypted Pulumi config value. The key goes to stdout
 * (for a pipe straight into `pulumi config set --secret`) or, with `--out`,
 * to a new file readable by its owner only; nowhere else.
 */
import { open } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { configSetSecretCommand, keygenPipeCommand, SIGNING_KEY_CONFIG_PATH } from "../infra/authgent/commands.ts";
import { generateSigningKey } from "../infra/authgent/signing-key.ts";

export const USAGE = `usage: npm run --silent keygen -- --stack <stack> [--out <file>]

Generates an ES256 (P-256) signing key for Authgent as PKCS#8 PEM.
  without --out  the key is written to stdout, to pipe into Pulumi:
                   ${keygenPipeCommand("<stack>")}
  --out <file>   the key is written to a new file (mode 0600; an existing file is never overwritten)
`;

/** Owner read/write only. */
const KEY_FILE_MODE = 0o600;

export interface KeygenIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
  readonly stderr: { write(text: string): unknown };
}

/** Runs the command; returns the exit code. Never throws for user errors. */
export async function runKeygen(argv: readonly string[], io: KeygenIo): Promise<number> {
  let values: { stack?: string | undefined; out?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { stack: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`keygen: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stderr.write(USAGE);
    return 0;
  }
  const stack = values.stack;
  if (!stack) {
    io.stderr.write(`keygen: --stack is required (the command it prints sets the key on that stack)\n\n${USAGE}`);
    return 2;
  }
  if (values.out === undefined && io.stdout.isTTY) {
    // A key printed to a terminal lives on in scrollback and screen shares.
    io.stderr.write(
      `keygen: refusing to print a private key to a terminal. Pipe it into Pulumi:\n  ${keygenPipeCommand(stack)}\n` +
        `or write it to a file with --out <file>.\n`,
    );
    return 1;
  }

  const key = await generateSigningKey();
  if (values.out === undefined) {
    io.stdout.write(key.pkcs8Pem);
    io.stderr.write(
      `keygen: wrote an ES256 signing key to stdout (public key thumbprint ${key.thumbprint}).\n` +
        `If stdout was not piped into Pulumi, store it with:\n  ${keygenPipeCommand(stack)}\n`,
    );
    return 0;
  }

  try {
    // "wx": never overwrite an existing file (it may be the key in service).
    const file = await open(values.out, "wx", KEY_FILE_MODE);
    try {
      await file.writeFile(key.pkcs8Pem);
    } finally {
      await file.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr.write(
      code === "EEXIST"
        ? `keygen: ${values.out} already exists; choose a new file name (an existing key is never overwritten)\n`
        : `keygen: cannot write ${values.out}: ${(err as Error).message}\n`,
    );
    return 1;
  }
  io.stdout.write(
    `Wrote an ES256 signing key to ${values.out} (mode 0600, public key thumbprint ${key.thumbprint}).\n` +
      `Store it encrypted in the stack config:\n  ${configSetSecretCommand(SIGNING_KEY_CONFIG_PATH, stack, values.out)}\n` +
      `Then keep the file somewhere safe offline, or delete it: Pulumi holds the key from now on.\n`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runKeygen(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}
