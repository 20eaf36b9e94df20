import type { JWTPayload } from "jose";
import { InvalidTokenError } from "./errors.ts";

/**
 * Deepest `act` nesting accepted. Authgent's own default limit is 5
 * (`AUTHGENT_MAX_DELEGATION_DEPTH`, delegation_service.py
 * `build_delegated_claims`); this bound only keeps a hostile token from
 * costing unbounded work.
 */
export const MAX_ACTOR_CHAIN = 16;

/**
 * RFC 8693 §4.1 `act`: the party acting for `sub`, with the actors before it
 * nested inside (`act.act`). Returns each actor's `sub`, current actor first;
 * [] when the token carries no `act` (it was not delegated).
 *
 * A present but unreadable `act` refuses the token: accepting it as if it had
 * none would hide that someone else is acting for the subject.
 */
export function actorChain(payload: JWTPayload): readonly string[] {
  const chain: string[] = [];
  let act: unknown = payload["act"];
  while (act !== undefined) {
    if (typeof act !== "object" || act === null || Array.isArray(act)) {
      throw new InvalidTokenError("ERR_TOKEN_CLAIM_INVALID", "act must be a JSON object (RFC 8693 §4.1)", { claim: "act" });
    }
    const { sub, act: previous } = act as { sub?: unknown; act?: unknown };
    if (typeof sub !== "string" || sub === "") {
      throw new InvalidTokenError("ERR_TOKEN_CLAIM_INVALID", "act must name its actor in a non-empty sub (RFC 8693 §4.1)", { claim: "act" });
    }
    if (chain.length === MAX_ACTOR_CHAIN) {
      throw new InvalidTokenError("ERR_TOKEN_CLAIM_INVALID", `act is nested deeper than ${MAX_ACTOR_CHAIN}`, { claim: "act" });
    }
    chain.push(sub);
    act = previous;
  }
  return chain;
}
