/**
 * Shell commands printed by `npm run keygen` and quoted in config errors, so
 * the fix a message suggests is exactly what the tooling does.
 */

/** Config path of the signing key inside the stack's `authgent:` block. */
export const SIGNING_KEY_CONFIG_PATH = "authgent.signingKey";

/** Generates a signing key and stores it encrypted, without it touching the disk. */
export function keygenPipeCommand(stack: string): string {
  return `npm run --silent keygen -- --stack ${shellWord(stack)} | ${configSetSecretCommand(SIGNING_KEY_CONFIG_PATH, stack)}`;
}

/**
 * `pulumi config set --secret --path` for a value inside the `authgent:`
 * block; the value is read from stdin (multi-line values work that way).
 */
export function configSetSecretCommand(path: string, stack: string, fromFile?: string): string {
  const command = `pulumi config set --secret --path ${shellWord(path)} --stack ${shellWord(stack)}`;
  return fromFile === undefined ? command : `${command} < ${shellWord(fromFile)}`;
}

/** Single-quotes a word for POSIX shells unless it is made of safe characters only. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}
