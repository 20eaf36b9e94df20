/**
 * Whether a throwaway PostgreSQL can run here, decided once per test run,
 * with the same rule as the real Authgent (../authgent/availability.ts):
 * missing binaries are installed when this is root with apt-get (CI);
 * otherwise, outside CI only, the suites are reported as not run with a
 * banner. In CI (`CI` set) anything missing fails the run, and any other
 * setup failure fails everywhere.
 */
import { isCi } from "../authgent/availability.ts";
import { ensurePostgresBinaries, PostgresSetupError, type PostgresBinaries } from "./binaries.ts";

export type PostgresAvailability =
  | { readonly available: true; readonly binaries: PostgresBinaries }
  | { readonly available: false; readonly reason: string };

export async function postgresAvailability(
  env: NodeJS.ProcessEnv = process.env,
  ensure: () => Promise<PostgresBinaries> = () => ensurePostgresBinaries({ env, log: (line) => console.log(`[postgres] ${line}`) }),
): Promise<PostgresAvailability> {
  try {
    return { available: true, binaries: await ensure() };
  } catch (error) {
    if (!(error instanceof PostgresSetupError) || error.code !== "ERR_POSTGRES_MISSING" || isCi(env)) throw error;
    console.warn(
      [
        "",
        "======================================================================",
        " The suites against a real PostgreSQL DID NOT RUN:",
        ` ${error.message}`,
        " Their tests are reported as skipped. In CI this is a failure.",
        "======================================================================",
        "",
      ].join("\n"),
    );
    return { available: false, reason: error.message };
  }
}
