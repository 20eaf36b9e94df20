/**
 * Vitest glue for suites that run the real Authgent on the shared
 * PostgreSQL cluster (global-setup.ts): `describeWithAuthgentPostgres` runs
 * a block only where both can run (skipped with the reason otherwise, never
 * in CI: there both setups fail instead), and `postgres()` is a client of the
 * shared cluster for creating databases and looking into them.
 */
import { describe, inject } from "vitest";
import { postgresClient, type PostgresClient } from "./cluster.ts";
import type { AuthgentVenv } from "../../../scripts/lib/authgent/venv.ts";

export function describeWithAuthgentPostgres(name: string, body: () => void): void {
  const authgent = inject("authgent");
  const postgres = inject("postgres");
  if (!authgent.available) describe.skip(`${name} [NOT RUN: ${authgent.reason}]`, body);
  else if (!postgres.available) describe.skip(`${name} [NOT RUN: ${postgres.reason}]`, body);
  else describe(name, body);
}

/** The shared cluster's client. Call inside tests or hooks of a `describeWithAuthgentPostgres` block. */
export function postgres(): PostgresClient {
  const provided = inject("postgres");
  if (!provided.available) throw new Error(`postgres() outside describeWithAuthgentPostgres: ${provided.reason}`);
  return postgresClient(provided.cluster);
}

/** The pinned venv. Call inside tests or hooks of a `describeWithAuthgentPostgres` block. */
export function authgentVenv(): AuthgentVenv {
  const provided = inject("authgent");
  if (!provided.available) throw new Error(`authgentVenv() outside describeWithAuthgentPostgres: ${provided.reason}`);
  return provided.venv;
}

let databases = 0;
/** A fresh, empty database with a name unique to this file and run. */
export async function freshDatabase(prefix: string): Promise<string> {
  databases += 1;
  return postgres().createDatabase(`${prefix}_${process.pid}_${databases}`);
}
