/**
 * Vitest global setup: one local issuer on 127.0.0.1 for the whole run.
 * Tests inside workerd reach it over real HTTP (`inject("issuerOrigin")`)
 * and create their own tenants through its admin API.
 */
import type { TestProject } from "vitest/node";
import { startLocalIssuer } from "../../scripts/lib/local-issuer.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the shared local issuer. */
    issuerOrigin: string;
    /** Issuer URL of its `dev` tenant. */
    devIssuer: string;
    /** Its admin API secret for this run (header `X-Local-Issuer-Admin`). */
    issuerAdminSecret: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const issuer = await startLocalIssuer();
  project.provide("issuerOrigin", issuer.origin);
  project.provide("devIssuer", issuer.issuer);
  project.provide("issuerAdminSecret", issuer.adminSecret ?? "");
  return () => issuer.close();
}
