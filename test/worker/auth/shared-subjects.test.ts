import type { JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { principalFromClaims } from "../../../worker/auth/claims.ts";
import { InvalidTokenError } from "../../../worker/auth/errors.ts";
import { principalKey } from "../../../worker/auth/principal.ts";
import { parseWorkerConfig } from "../../../worker/config.ts";

const ISSUER = "https://auth.example.com";
const config = parseWorkerConfig({ AUTHGENT_ISSUER: ISSUER, MCP_AUDIENCE: "https://mcp.example.com/mcp" });
const NOW = 1_800_000_000;

function claims(extra: JWTPayload): JWTPayload {
  return { iss: ISSUER, aud: "https://mcp.example.com/mcp", iat: NOW, exp: NOW + 300, scope: "mcp:read", ...extra };
}

function refusal(payload: JWTPayload): InvalidTokenError {
  try {
    principalFromClaims(payload, config, NOW);
  } catch (error) {
    if (error instanceof InvalidTokenError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("subjects the issuer shares among humans (SHARED_SUBJECTS)", () => {
  it("keys an ordinary subject by iss|sub exactly as before, whatever its client", () => {
    const a = principalFromClaims(claims({ sub: "alice", client_id: "app-1" }), config, NOW);
    const b = principalFromClaims(claims({ sub: "alice", client_id: "app-2" }), config, NOW);
    expect(a.sharedSubject).toBe(false);
    expect(principalKey(a)).toBe(`${ISSUER}|alice`);
    expect(principalKey(b)).toBe(principalKey(a));
  });

  it("keys authgent-server's shared browser subjects per client installation", () => {
    for (const sub of ["auto_approved_user", "consent_user"]) {
      const first = principalFromClaims(claims({ sub, client_id: "agnt_one" }), config, NOW);
      const second = principalFromClaims(claims({ sub, client_id: "agnt_two" }), config, NOW);
      expect(first.sharedSubject).toBe(true);
      expect(principalKey(first)).toBe(JSON.stringify([ISSUER, sub, "agnt_one"]));
      expect(principalKey(first)).not.toBe(principalKey(second));
      expect(principalKey(first)).not.toBe(`${ISSUER}|${sub}`);
    }
  });

  it("refuses a shared subject without client_id, naming the claim", () => {
    const error = refusal(claims({ sub: "auto_approved_user" }));
    expect(error.code).toBe("ERR_TOKEN_CLAIM_INVALID");
    expect(error.claim).toBe("client_id");
    expect(error.message).toContain("SHARED_SUBJECTS");
  });

  it("cannot be steered into another key: an ordinary sub that spells a shared key stays iss|sub", () => {
    const crafted = principalFromClaims(claims({ sub: `auto_approved_user|agnt_one`, client_id: "x" }), config, NOW);
    const shared = principalFromClaims(claims({ sub: "auto_approved_user", client_id: "agnt_one" }), config, NOW);
    expect(principalKey(crafted)).not.toBe(principalKey(shared));
  });

  it("follows the configured list: SHARED_SUBJECTS=none treats every subject as one user", () => {
    const none = parseWorkerConfig({ AUTHGENT_ISSUER: ISSUER, MCP_AUDIENCE: "https://mcp.example.com/mcp", SHARED_SUBJECTS: "none" });
    const principal = principalFromClaims(claims({ sub: "auto_approved_user" }), none, NOW);
    expect(principalKey(principal)).toBe(`${ISSUER}|auto_approved_user`);
    const custom = parseWorkerConfig({ AUTHGENT_ISSUER: ISSUER, MCP_AUDIENCE: "https://mcp.example.com/mcp", SHARED_SUBJECTS: "kiosk" });
    expect(principalFromClaims(claims({ sub: "kiosk", client_id: "c" }), custom, NOW).sharedSubject).toBe(true);
    expect(principalFromClaims(claims({ sub: "auto_approved_user" }), custom, NOW).sharedSubject).toBe(false);
  });
});

describe("SHARED_SUBJECTS config", () => {
  const parse = (value: string) =>
    parseWorkerConfig({ AUTHGENT_ISSUER: ISSUER, MCP_AUDIENCE: "https://mcp.example.com", SHARED_SUBJECTS: value }).sharedSubjects;

  it("defaults to authgent-server 0.3.4's two shared browser subjects", () => {
    expect(config.sharedSubjects).toEqual(["auto_approved_user", "consent_user"]);
    expect(parse("")).toEqual(["auto_approved_user", "consent_user"]);
  });

  it("reads a comma-separated list, trimmed and deduplicated; none means none", () => {
    expect(parse(" a , b,a ")).toEqual(["a", "b"]);
    expect(parse("none")).toEqual([]);
  });

  it.each([
    ["none,a", /"none" means no shared subjects/],
    ["two words", /is not a token subject/],
    ["x".repeat(256), /is not a token subject/],
  ])("refuses %j naming the variable", (value, message) => {
    expect(() => parse(value)).toThrow(message);
    expect(() => parse(value)).toThrow(/^SHARED_SUBJECTS/);
  });
});
