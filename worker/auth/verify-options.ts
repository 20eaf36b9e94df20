import type { WorkerConfig } from "../config.ts";

/**
 * What `verifyAccessToken` checks a token against. A subset of
 * `WorkerConfig`, whose `parseWorkerConfig` applies every default.
 */
export type VerifyOptions = Pick<
  WorkerConfig,
  "issuer" | "audience" | "algorithms" | "clockToleranceSeconds" | "maxTokenLifetimeSeconds" | "sharedSubjects"
>;
