import { describe, expect, it } from "vitest";
import { extractBearerToken } from "../../../worker/auth/bearer.ts";
import { InvalidAuthRequestError, TokenMissingError } from "../../../worker/auth/errors.ts";

const headers = (...authorization: string[]): Headers => {
  const h = new Headers();
  for (const value of authorization) h.append("authorization", value);
  return h;
};

describe("extractBearerToken", () => {
  it("returns the token of a Bearer credential", () => {
    expect(extractBearerToken(headers("Bearer abc.def.ghi"))).toBe("abc.def.ghi");
  });

  it("treats the scheme case-insensitively", () => {
    expect(extractBearerToken(headers("bearer abc.def.ghi"))).toBe("abc.def.ghi");
    expect(extractBearerToken(headers("BEARER abc.def.ghi"))).toBe("abc.def.ghi");
  });

  it("accepts more than one space after the scheme (RFC 6750 1*SP)", () => {
    expect(extractBearerToken(headers("Bearer   abc.def.ghi"))).toBe("abc.def.ghi");
  });

  it("reports a request without Authorization as missing credentials", () => {
    expect(() => extractBearerToken(new Headers())).toThrow(TokenMissingError);
  });

  it("reports another scheme as missing bearer credentials", () => {
    expect(() => extractBearerToken(headers("Basic dXNlcjpwYXNz"))).toThrow(TokenMissingError);
  });

  it("rejects two Authorization headers, which workerd joins with a comma", () => {
    const twice = headers("Bearer aaa.bbb.ccc", "Bearer ddd.eee.fff");
    expect(twice.get("authorization")).toBe("Bearer aaa.bbb.ccc, Bearer ddd.eee.fff");
    expect(() => extractBearerToken(twice)).toThrow(InvalidAuthRequestError);
  });

  it("rejects two credentials in one header", () => {
    expect(() => extractBearerToken(headers("Bearer aaa.bbb.ccc Bearer ddd"))).toThrow(InvalidAuthRequestError);
    expect(() => extractBearerToken(headers("Bearer aaa.bbb.ccc ddd"))).toThrow(InvalidAuthRequestError);
  });

  it("rejects the Bearer scheme without a token", () => {
    expect(() => extractBearerToken(headers("Bearer"))).toThrow(InvalidAuthRequestError);
    expect(() => extractBearerToken(headers("Bearer   "))).toThrow(InvalidAuthRequestError);
  });

  it("rejects an empty Authorization header as a malformed request", () => {
    expect(() => extractBearerToken(headers(""))).toThrow(InvalidAuthRequestError);
  });

  it("rejects a tab between scheme and token and characters outside b64token", () => {
    expect(() => extractBearerToken(headers("Bearer\tabc.def.ghi"))).toThrow();
    expect(() => extractBearerToken(headers("Bearer abc.d%ef.ghi"))).toThrow(InvalidAuthRequestError);
    expect(() => extractBearerToken(headers('Bearer "abc.def.ghi"'))).toThrow(InvalidAuthRequestError);
  });

  it("never reads a token from the query string", () => {
    const request = new Request("https://mcp.test.example/mcp?access_token=abc.def.ghi", { method: "POST" });
    expect(() => extractBearerToken(request.headers)).toThrow(TokenMissingError);
  });
});
