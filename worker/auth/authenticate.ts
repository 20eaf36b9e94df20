import type { WorkerConfig } from "../config.ts";
import type { Principal } from "./principal.ts";

/** Injected I/O, so tests need no timers and no network. */
export interface AuthDeps {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Cross-isolate JWKS cache; null disables it. @default caches.default */
  readonly cache?: Cache | null;
  /** Current time, milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

/**
 * Authenticates an MCP request: RFC 6750 §2.1 bearer token from the
 * Authorization header only, verified against the issuer's JWKS.
 * Throws the errors in `./errors.ts`; never resolves for a bad token.
 */
export async function authenticate(request: Request, config: WorkerConfig, deps: AuthDeps = {}): Promise<Principal> {
  void request;
  void config;
  void deps;
  throw new Error("not implemented yet");
}
