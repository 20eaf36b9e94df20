/**
 * Vitest global setup: one throwaway PostgreSQL cluster for the whole run
 * (initdb + start ≈ 1.5 s), provided to test files as `inject("postgres")`.
 * Each file creates its own databases in it; the cluster and its directory
 * are removed at the end.
 */
import type { TestProject } from "vitest/node";
import { postgresAvailability } from "./availability.ts";
import { startPostgresCluster, type PostgresClusterInfo } from "./cluster.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The shared cluster, or why PostgreSQL cannot run on this machine. */
    postgres: { readonly available: true; readonly cluster: PostgresClusterInfo } | { readonly available: false; readonly reason: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const availability = await postgresAvailability();
  if (!availability.available) {
    project.provide("postgres", availability);
    return async () => undefined;
  }
  const cluster = await startPostgresCluster(availability.binaries);
  const { binDir, version, host, port } = cluster;
  project.provide("postgres", { available: true, cluster: { binDir, version, host, port } });
  return () => cluster.stop();
}
