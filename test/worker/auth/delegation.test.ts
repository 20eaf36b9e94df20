import type { JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { actorChain, MAX_ACTOR_CHAIN } from "../../../worker/auth/delegation.ts";
import { InvalidTokenError } from "../../../worker/auth/errors.ts";

function nested(depth: number): unknown {
  let act: unknown = undefined;
  for (let i = depth; i >= 1; i--) act = act === undefined ? { sub: `agent-${i}` } : { sub: `agent-${i}`, act };
  return act;
}

describe("actorChain (RFC 8693 §4.1 act)", () => {
  it("is empty for a token nobody acts on", () => {
    expect(actorChain({ sub: "alice" })).toEqual([]);
  });

  it("lists the current actor first, then the earlier ones (authgent-server's nesting)", () => {
    const payload: JWTPayload = { sub: "alice", act: { sub: "client:b", act: { sub: "client:a" } } };
    expect(actorChain(payload)).toEqual(["client:b", "client:a"]);
  });

  it.each([
    ["a string", "client:b"],
    ["an array", [{ sub: "client:b" }]],
    ["null", null],
    ["an actor without sub", { iss: "https://x" }],
    ["an empty sub", { sub: "" }],
    ["a malformed earlier actor", { sub: "client:b", act: 7 }],
  ])("refuses act that is %s instead of ignoring it", (_what, act) => {
    expect(() => actorChain({ sub: "alice", act } as JWTPayload)).toThrow(InvalidTokenError);
  });

  it(`accepts ${MAX_ACTOR_CHAIN} nested actors and refuses one more`, () => {
    expect(actorChain({ sub: "alice", act: nested(MAX_ACTOR_CHAIN) } as JWTPayload)).toHaveLength(MAX_ACTOR_CHAIN);
    expect(() => actorChain({ sub: "alice", act: nested(MAX_ACTOR_CHAIN + 1) } as JWTPayload)).toThrow(/nested deeper/);
  });
});
