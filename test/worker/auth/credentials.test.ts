import { describe, expect, it } from "vitest";
import { extractCredentials } from "../../../worker/auth/credentials.ts";
import { extractDpopProof } from "../../../worker/auth/credentials.ts";
import { InvalidAuthRequestError, InvalidDpopProofError, TokenMissingError } from "../../../worker/auth/errors.ts";

const headers = (...authorization: string[]): Headers => {
  const h = new Headers();
  for (const value of authorization) h.append("authorization", value);
  return h;
};

/** The token, for cases that only check what is refused. */
const tokenOf = (h: Headers): string => extractCredentials(h).token;

describe("extractCredentials", () => {
  it("returns the token of a DPoP credential with its scheme (RFC 9449 §7.1), case-insensitively", () => {
    expect(extractCredentials(headers("DPoP abc.def.ghi"))).toEqual({ scheme: "DPoP", token: "abc.def.ghi" });
    expect(extractCredentials(headers("dpop abc.def.ghi"))).toEqual({ scheme: "DPoP", token: "abc.def.ghi" });
  });

  it("rejects the DPoP scheme without a token as a malformed request", () => {
    expect(() => tokenOf(headers("DPoP"))).toThrow(InvalidAuthRequestError);
    expect(() => tokenOf(headers("DPoP a b"))).toThrow(InvalidAuthRequestError);
  });

  it("returns the token of a Bearer credential", () => {
    expect(extractCredentials(headers("Bearer abc.def.ghi"))).toEqual({ scheme: "Bearer", token: "abc.def.ghi" });
  });

  it("treats the scheme case-insensitively", () => {
    expect(extractCredentials(headers("bearer abc.def.ghi"))).toEqual({ scheme: "Bearer", token: "abc.def.ghi" });
    expect(extractCredentials(headers("BEARER abc.def.ghi"))).toEqual({ scheme: "Bearer", token: "abc.def.ghi" });
  });

  it("accepts more than one space after the scheme (RFC 6750 1*SP)", () => {
    expect(extractCredentials(headers("Bearer   abc.def.ghi"))).toEqual({ scheme: "Bearer", token: "abc.def.ghi" });
  });

  it("reports a request without Authorization as missing credentials", () => {
    expect(() => tokenOf(new Headers())).toThrow(TokenMissingError);
  });

  it("reports another scheme as missing bearer credentials", () => {
    expect(() => tokenOf(headers("Basic dXNlcjpwYXNz"))).toThrow(TokenMissingError);
  });

  it("rejects two Authorization headers, which workerd joins with a comma", () => {
    const twice = headers("Bearer aaa.bbb.ccc", "Bearer ddd.eee.fff");
    expect(twice.get("authorization")).toBe("Bearer aaa.bbb.ccc, Bearer ddd.eee.fff");
    expect(() => tokenOf(twice)).toThrow(InvalidAuthRequestError);
  });

  it("rejects two credentials in one header", () => {
    expect(() => tokenOf(headers("Bearer aaa.bbb.ccc Bearer ddd"))).toThrow(InvalidAuthRequestError);
    expect(() => tokenOf(headers("Bearer aaa.bbb.ccc ddd"))).toThrow(InvalidAuthRequestError);
  });

  it("rejects the Bearer scheme without a token", () => {
    expect(() => tokenOf(headers("Bearer"))).toThrow(InvalidAuthRequestError);
    expect(() => tokenOf(headers("Bearer   "))).toThrow(InvalidAuthRequestError);
  });

  it("rejects an empty Authorization header as a malformed request", () => {
    expect(() => tokenOf(headers(""))).toThrow(InvalidAuthRequestError);
  });

  it("rejects a tab between scheme and token and characters outside b64token", () => {
    expect(() => tokenOf(headers("Bearer\tabc.def.ghi"))).toThrow();
    expect(() => tokenOf(headers("Bearer abc.d%ef.ghi"))).toThrow(InvalidAuthRequestError);
    expect(() => tokenOf(headers('Bearer "abc.def.ghi"'))).toThrow(InvalidAuthRequestError);
  });

  it("never reads a token from the query string", () => {
    const request = new Request("https://mcp.test.example/mcp?access_token=abc.def.ghi", { method: "POST" });
    expect(() => tokenOf(request.headers)).toThrow(TokenMissingError);
  });
});

describe("extractDpopProof", () => {
  const withProofs = (...proofs: string[]): Headers => {
    const h = new Headers();
    for (const proof of proofs) h.append("dpop", proof);
    return h;
  };

  it("returns the single proof", () => {
    expect(extractDpopProof(withProofs("a.b.c"))).toBe("a.b.c");
  });

  it("reports a missing or empty DPoP header as check `missing`", () => {
    for (const h of [new Headers(), withProofs("")]) {
      expect(() => extractDpopProof(h)).toThrow(expect.objectContaining({ code: "ERR_DPOP_PROOF_INVALID", check: "missing" }));
    }
  });

  it("rejects two DPoP headers, which workerd joins with a comma (RFC 9449 §4.3 check 1)", () => {
    const h = withProofs("a.b.c", "d.e.f");
    expect(() => extractDpopProof(h)).toThrow(InvalidDpopProofError);
    expect(() => extractDpopProof(h)).toThrow(expect.objectContaining({ check: "multiple" }));
  });
});
