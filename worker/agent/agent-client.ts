import type { ProofUse, ProofVerdict } from "../auth/dpop/replay-guard.ts";
import { RateLimitedError } from "../auth/errors.ts";
import { principalKey, type Principal } from "../auth/principal.ts";
import type { Env } from "../env.ts";
import type { AuthgentMCPAgent } from "./authgent-mcp-agent.ts";
import type { DataEntry, Limited, SessionInit, WriteOutcome } from "./rpc-types.ts";

/**
 * The worker's handle on the caller's Durable Object. The object's name is
 * `principalKey(principal)` (`iss|sub` from a verified token), never anything
 * the client chooses, so one user cannot reach another's object. The stub is
 * created on first use: stateless requests never touch the object.
 */
export class AgentClient {
  readonly #env: Env;
  readonly #owner: string;
  readonly #limitPerMinute: number;
  #stub: DurableObjectStub<AuthgentMCPAgent> | undefined;

  constructor(env: Env, principal: Principal, limitPerMinute: number) {
    this.#env = env;
    this.#owner = principalKey(principal);
    this.#limitPerMinute = limitPerMinute;
  }

  /** The Durable Object name for this user (tests assert on it). */
  get objectName(): string {
    return this.#owner;
  }

  async createSession(init: SessionInit): Promise<string> {
    return unwrap(await this.#agent().createSession(this.#owner, this.#limitPerMinute, init)).sessionId;
  }

  async sessionExists(sessionId: string): Promise<boolean> {
    return (await this.#agent().getSession(this.#owner, sessionId)) !== null;
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    return unwrap(await this.#agent().deleteSession(this.#owner, this.#limitPerMinute, sessionId));
  }

  async readData(): Promise<DataEntry[]> {
    return unwrap(await this.#agent().readData(this.#owner, this.#limitPerMinute));
  }

  async writeData(key: string, value: string): Promise<WriteOutcome> {
    return unwrap(await this.#agent().writeData(this.#owner, this.#limitPerMinute, key, value));
  }

  /** The user's shared DPoP proof ledger (`DpopReplayGuard`'s cross-isolate half). */
  async recordDpopProofs(uses: readonly ProofUse[]): Promise<ProofVerdict[]> {
    return await this.#agent().recordDpopProofs(this.#owner, uses);
  }

  #agent(): DurableObjectStub<AuthgentMCPAgent> {
    this.#stub ??= this.#env.MCP_OBJECT.get(this.#env.MCP_OBJECT.idFromName(this.#owner));
    return this.#stub;
  }
}

/** The object's exact limit answers 429 + Retry-After through `errorResponse`. */
function unwrap<T>(result: Limited<T>): T {
  if (result.limited) throw new RateLimitedError(result.retryAfterSeconds);
  return result.value;
}
