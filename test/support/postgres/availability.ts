/**
 * Whether a throwaway PostgreSQL can run here, decided once per test run
 * (../prerequisite.ts): missing binaries are installed when this is root
 * with apt-get (CI); otherwise, outside CI only, the suites are reported as
 * not run. In CI anything missing fails the run.
 */
import { prerequisite } from "../prerequisite.ts";
import { ensurePostgresBinaries, PostgresSetupError, type PostgresBinaries } from "./binaries.ts";

export type PostgresAvailability =
  | { readonly available: true; readonly binaries: PostgresBinaries }
  | { readonly available: false; readonly reason: string };

export async function postgresAvailability(
  env: NodeJS.ProcessEnv = process.env,
  ensure: () => Promise<PostgresBinaries> = () => ensurePostgresBinaries({ env, log: (line) => console.log(`[postgres] ${line}`) }),
): Promise<PostgresAvailability> {
  const found = await prerequisite({
    suites: "The suites against a real PostgreSQL",
    ensure,
    isMissing: (error) => error instanceof PostgresSetupError && error.code === "ERR_POSTGRES_MISSING",
    env,
  });
  return found.available ? { available: true, binaries: found.value } : found;
}
