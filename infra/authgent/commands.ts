/**
 * Shell commands printed by `npm run keygen` and quoted in config errors and
 * plan warnings, so the fix a message suggests is exactly what the tooling does.
 */

/** Config path of authgent-server's secret key (`AUTHGENT_SECRET_KEY`) inside the stack config. */
export const SECRET_KEY_CONFIG_PATH = "authgent.secretKey";

/** Generates a random secret and stores it encrypted, without it touching the disk or the terminal. */
export function keygenPipeCommand(stack: string, path: string = SECRET_KEY_CONFIG_PATH): string {
  const pathOption = path === SECRET_KEY_CONFIG_PATH ? "" : ` --path ${shellWord(path)}`;
  return `npm run --silent keygen -- --stack ${shellWord(stack)}${pathOption} | ${configSetSecretCommand(path, stack)}`;
}

/**
 * `pulumi config set --secret --path` for a value inside the `authgent:`
 * block; without a value argument the CLI reads it from stdin (or prompts),
 * so it never lands in shell history.
 */
export function configSetSecretCommand(path: string, stack: string, fromFile?: string): string {
  const command = `pulumi config set --secret --path ${shellWord(path)} --stack ${shellWord(stack)}`;
  return fromFile === undefined ? command : `${command} < ${shellWord(fromFile)}`;
}

/** The command that runs `args` inside the Authgent container on the stack's Docker host. */
export function dockerExecCommand(dockerHost: string, container: string, args: readonly string[]): string {
  return ["docker", "-H", dockerHost, "exec", container, ...args].map(shellWord).join(" ");
}

/** Single-quotes a word for POSIX shells unless it is made of safe characters only. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** The command that runs `args` in one pod of the Authgent Deployment (`kubectl exec` picks one). */
export function kubectlExecCommand(context: string | undefined, namespace: string, deployment: string, args: readonly string[]): string {
  return ["kubectl", ...(context ? ["--context", context] : []), "--namespace", namespace, "exec", `deployment/${deployment}`, "--", ...args].map(shellWord).join(" ");
}
