/**
 * The one rule for suites that need something this machine may lack (Python
 * for the real Authgent, PostgreSQL): `ensure` gets it, installing it where
 * that is allowed. When it is missing, the suites are reported as not run
 * (skipped, with a banner saying why) on a developer's machine only; in CI
 * (`CI` set, as GitHub Actions and .ci/run do) a missing prerequisite fails
 * the run, and any other setup failure fails everywhere.
 */

export type Prerequisite<T> = { readonly available: true; readonly value: T } | { readonly available: false; readonly reason: string };

export interface PrerequisiteOptions<T> {
  /** Names the suites in the banner, e.g. "The interop suite against the real authgent-server". */
  readonly suites: string;
  /** Gets the prerequisite, or throws. */
  readonly ensure: () => Promise<T>;
  /** Whether `error` means "missing here" (the one skippable case) rather than a broken setup. */
  readonly isMissing: (error: unknown) => boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export async function prerequisite<T>(options: PrerequisiteOptions<T>): Promise<Prerequisite<T>> {
  try {
    return { available: true, value: await options.ensure() };
  } catch (error) {
    if (!options.isMissing(error) || isCi(options.env ?? process.env)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(
      [
        "",
        "======================================================================",
        ` ${options.suites} DID NOT RUN:`,
        ` ${reason}`,
        " Its tests are reported as skipped. In CI this is a failure.",
        "======================================================================",
        "",
      ].join("\n"),
    );
    return { available: false, reason };
  }
}

/** GitHub Actions and most CI services set CI=true; "false"/"0"/"" mean a local run. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "false" && value !== "0";
}
