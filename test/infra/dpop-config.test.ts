/**
 * The DPoP stack settings (requireDpop, dpopAlgorithms, dpopProofMaxAge,
 * dpopNonce): defaults, per-server overrides, the worker vars they become,
 * and preview-time errors that name the key and the fix.
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config.ts";
import { parseWorkerConfig } from "../../worker/config.ts";
import { expectIssue, withServer, type Values } from "./support/config-issues.ts";
import { baseValues, input } from "./support/fixtures.ts";

const serverOf = (values: Values) => parseStackConfig(input(values)).servers[0]!;

describe("stack config: DPoP", () => {
  it("defaults to DPoP allowed but not required, ES256 proofs, a 60 s window and no nonce", () => {
    const { vars } = serverOf(baseValues());
    expect(vars).toMatchObject({ REQUIRE_DPOP: "false", DPOP_ALGORITHMS: "ES256", DPOP_PROOF_MAX_AGE: "60", DPOP_NONCE: "false" });
    expect(parseWorkerConfig(vars)).toMatchObject({ requireDpop: false, dpopAlgorithms: ["ES256"], dpopProofMaxAgeSeconds: 60, dpopNonce: false });
  });

  it("turns requireDpop on per server, also from the string `pulumi config set` stores, and from defaults:", () => {
    expect(serverOf(withServer((s) => Object.assign(s, { requireDpop: true }))).vars.REQUIRE_DPOP).toBe("true");
    expect(serverOf(withServer((s) => Object.assign(s, { requireDpop: "true", dpopNonce: "true" }))).vars).toMatchObject({ REQUIRE_DPOP: "true", DPOP_NONCE: "true" });
    const values = baseValues();
    values["defaults"] = { ...(values["defaults"] as Values), requireDpop: true, dpopProofMaxAge: 30, dpopAlgorithms: ["ES256", "EdDSA"] };
    expect(parseWorkerConfig(serverOf(values).vars)).toMatchObject({ requireDpop: true, dpopProofMaxAgeSeconds: 30, dpopAlgorithms: ["ES256", "EdDSA"] });
  });

  it("refuses a requireDpop that is not true or false, naming the key", () => {
    expectIssue(withServer((s) => Object.assign(s, { requireDpop: "yes" })), "servers[0].requireDpop", "must be true or false");
  });

  it("refuses symmetric or unknown proof algorithms and a list without ES256 (Authgent binds only ES256 keys)", () => {
    expectIssue(withServer((s) => Object.assign(s, { dpopAlgorithms: ["HS256"] })), "servers[0].dpopAlgorithms[0]", "asymmetric only");
    expectIssue(withServer((s) => Object.assign(s, { dpopAlgorithms: ["EdDSA"] })), "servers[0].dpopAlgorithms", "must include ES256");
    expectIssue(withServer((s) => Object.assign(s, { dpopAlgorithms: [] })), "servers[0].dpopAlgorithms", "at least one");
  });

  it("refuses a proof window outside 1–600 seconds", () => {
    expectIssue(withServer((s) => Object.assign(s, { dpopProofMaxAge: 0 })), "servers[0].dpopProofMaxAge", "between 1 and 600 seconds");
    expectIssue(withServer((s) => Object.assign(s, { dpopProofMaxAge: 601 })), "servers[0].dpopProofMaxAge", "between 1 and 600 seconds");
  });
});
