/**
 * Whether the real Authgent can run here, decided once per test run.
 *
 * In CI (`process.env.CI` set, as GitHub Actions does) a missing Python is a
 * failure: the interop suite must never silently not run there. On a laptop
 * without Python >= 3.11 the suite is reported as skipped, with a banner
 * saying so, so the counts show it did not run instead of passing.
 */
import { AuthgentSetupError } from "../../../scripts/lib/authgent/errors.ts";
import { ensureAuthgentVenv, type AuthgentVenv } from "../../../scripts/lib/authgent/venv.ts";

export type AuthgentAvailability =
  | { readonly available: true; readonly venv: AuthgentVenv }
  | { readonly available: false; readonly reason: string };

export async function authgentAvailability(
  env: NodeJS.ProcessEnv = process.env,
  ensureVenv: () => Promise<AuthgentVenv> = () => ensureAuthgentVenv({ log: (line) => console.log(`[authgent] ${line}`) }),
): Promise<AuthgentAvailability> {
  try {
    return { available: true, venv: await ensureVenv() };
  } catch (error) {
    if (!(error instanceof AuthgentSetupError) || error.code !== "ERR_PYTHON_MISSING" || isCi(env)) throw error;
    console.warn(
      [
        "",
        "======================================================================",
        " The interop suite against the real authgent-server DID NOT RUN:",
        ` ${error.message}`,
        " Its tests are reported as skipped. In CI this is a failure.",
        "======================================================================",
        "",
      ].join("\n"),
    );
    return { available: false, reason: error.message };
  }
}

/** GitHub Actions and most CI services set CI=true; "false"/"0"/"" mean a local run. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "false" && value !== "0";
}
