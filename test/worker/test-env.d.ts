import type { Env as WorkerEnv } from "../../worker/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}

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
