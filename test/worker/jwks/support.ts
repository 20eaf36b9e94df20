import { authenticate, type AuthDeps } from "../../../worker/auth/authenticate.ts";
import type { Principal } from "../../../worker/auth/principal.ts";
import type { WorkerConfig } from "../../../worker/config.ts";
import { AuthgentError } from "../../../worker/errors.ts";
import { bearerRequest } from "../auth/issuer-admin.ts";

/** An injected clock: tests step time instead of sleeping. */
export class TestClock {
  constructor(private ms: number = Date.now()) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Authenticates `token`, returning the principal or the typed error. */
export async function attempt(config: WorkerConfig, token: string, deps: AuthDeps): Promise<Principal | AuthgentError> {
  try {
    return await authenticate(bearerRequest(token), config, deps);
  } catch (error) {
    if (error instanceof AuthgentError) return error;
    throw error;
  }
}

/** The error code of an attempt, or "ok". */
export async function outcomeCode(config: WorkerConfig, token: string, deps: AuthDeps): Promise<string> {
  const result = await attempt(config, token, deps);
  return result instanceof AuthgentError ? result.code : "ok";
}
