/**
 * Whether the real Authgent can run here, decided once per test run
 * (../prerequisite.ts): a missing Python >= 3.11 skips the interop suite
 * on a developer's machine, with a banner, and fails it in CI.
 */
import { AuthgentSetupError } from "../../../scripts/lib/authgent/errors.ts";
import { ensureAuthgentVenv, type AuthgentVenv } from "../../../scripts/lib/authgent/venv.ts";
import { prerequisite } from "../prerequisite.ts";

export type AuthgentAvailability =
  | { readonly available: true; readonly venv: AuthgentVenv }
  | { readonly available: false; readonly reason: string };

export async function authgentAvailability(
  env: NodeJS.ProcessEnv = process.env,
  ensureVenv: () => Promise<AuthgentVenv> = () => ensureAuthgentVenv({ log: (line) => console.log(`[authgent] ${line}`) }),
): Promise<AuthgentAvailability> {
  const found = await prerequisite({
    suites: "The interop suite against the real authgent-server",
    ensure: ensureVenv,
    isMissing: (error) => error instanceof AuthgentSetupError && error.code === "ERR_PYTHON_MISSING",
    env,
  });
  return found.available ? { available: true, venv: found.value } : found;
}
