/**
 * Local values of a server's secrets for `npm start`: one file per server in
 * the state dir (git-ignored, like all of `.dev-state/`), `NAME=value` lines.
 * A secret the file lacks gets a generated random value, written back so the
 * next run (and any local Worker that checks it, like the demo backend) sees
 * the same one. The file is created with mode 600; values are never printed.
 *
 * Deployed values stay Pulumi secrets: nothing here reads or decrypts the stack.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Bytes of randomness in a generated value (256 bits, base64url). */
const GENERATED_BYTES = 32;

export class DevSecretsError extends Error {
  readonly code = "ERR_DEV_SECRETS";
}

export interface DevSecrets {
  readonly values: Readonly<Record<string, string>>;
  /** Names whose values were generated on this run. */
  readonly generated: readonly string[];
  readonly file: string;
}

/** `NAME=value` lines; `#` comments and blank lines ignored; the value is everything after the first `=`, verbatim. */
export function parseDevSecrets(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    // Say where, never what: the line may hold a secret.
    if (!match) throw new DevSecretsError(`${file}:${index + 1}: expected NAME=value`);
    values[match[1] ?? ""] = match[2] ?? "";
  });
  return values;
}

/** Reads `file`, generating (and saving) a value for each of `names` it lacks. */
export async function loadDevSecrets(file: string, names: readonly string[], generate: () => string = () => randomBytes(GENERATED_BYTES).toString("base64url")): Promise<DevSecrets> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  const existing = text === undefined ? {} : parseDevSecrets(text, file);
  const generated = names.filter((name) => existing[name] === undefined);
  if (generated.length > 0) {
    const header = text === undefined ? "# Local secret values for npm start (never committed; edit freely). Generated values are random.\n" : "";
    const separator = text !== undefined && text !== "" && !text.endsWith("\n") ? "\n" : "";
    const added = generated.map((name) => `${name}=${generate()}\n`).join("");
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${text ?? header}${separator}${added}`, { mode: 0o600 });
    await chmod(file, 0o600);
    Object.assign(existing, parseDevSecrets(added, file));
  }
  const values: Record<string, string> = {};
  for (const name of names) values[name] = existing[name] ?? "";
  return { values, generated, file };
}
