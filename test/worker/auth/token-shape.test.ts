import { describe, expect, it } from "vitest";
import { InvalidTokenError } from "../../../worker/auth/errors.ts";
import { checkTokenShape, MAX_TOKEN_LENGTH } from "../../../worker/auth/token-shape.ts";

const b64url = (text: string): string =>
  btoa(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const HEADER = b64url(JSON.stringify({ alg: "ES256", kid: "k1", typ: "JWT" }));
const PAYLOAD = b64url(JSON.stringify({ sub: "user-1" }));
// 64 bytes, like an ES256 signature: 86 characters, length % 4 == 2.
const SIGNATURE = b64url(String.fromCharCode(...new Array(64).fill(7)));

function rejection(token: string): InvalidTokenError {
  try {
    checkTokenShape(token);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return error as InvalidTokenError;
  }
  throw new Error("token shape was accepted");
}

describe("checkTokenShape", () => {
  it("accepts three unpadded base64url segments and returns them", () => {
    expect(checkTokenShape(`${HEADER}.${PAYLOAD}.${SIGNATURE}`)).toEqual({
      header: HEADER,
      payload: PAYLOAD,
      signature: SIGNATURE,
    });
  });

  it("rejects a token over the size limit before looking at it", () => {
    const huge = "a".repeat(MAX_TOKEN_LENGTH + 1);
    expect(rejection(huge).code).toBe("ERR_TOKEN_TOO_LARGE");
    expect(rejection(`${HEADER}.${"A".repeat(MAX_TOKEN_LENGTH)}.${SIGNATURE}`).code).toBe("ERR_TOKEN_TOO_LARGE");
  });

  it("accepts a token of exactly the size limit", () => {
    let length = MAX_TOKEN_LENGTH - HEADER.length - SIGNATURE.length - 2;
    // Keep every segment a possible base64url length (never 4n+1).
    const signature = length % 4 === 1 ? `${SIGNATURE}AA` : SIGNATURE;
    if (length % 4 === 1) length -= 2;
    const token = `${HEADER}.${"A".repeat(length)}.${signature}`;
    expect(token.length).toBe(MAX_TOKEN_LENGTH);
    expect(() => checkTokenShape(token)).not.toThrow();
  });

  it("rejects a five-segment JWE as unsupported", () => {
    expect(rejection(`${HEADER}.${PAYLOAD}.AAAA.${PAYLOAD}.${SIGNATURE}`).code).toBe("ERR_TOKEN_UNSUPPORTED");
  });

  it("rejects an unsecured token with an empty signature as unsupported", () => {
    expect(rejection(`${HEADER}.${PAYLOAD}.`).code).toBe("ERR_TOKEN_UNSUPPORTED");
  });

  it.each([
    ["two segments", `${HEADER}.${PAYLOAD}`],
    ["four segments", `${HEADER}.${PAYLOAD}.${SIGNATURE}.${SIGNATURE}`],
    ["an empty header", `.${PAYLOAD}.${SIGNATURE}`],
    ["an empty payload", `${HEADER}..${SIGNATURE}`],
    ["padding", `${HEADER}.${PAYLOAD}.${SIGNATURE}==`],
    ["a space", `${HEADER}.${PAYLOAD.slice(0, 4)} ${PAYLOAD.slice(4)}.${SIGNATURE}`],
    ["a newline", `${HEADER}\n.${PAYLOAD}.${SIGNATURE}`],
    ["base64 '+'", `${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, -2)}+A`],
    ["base64 '/'", `${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, -2)}/A`],
    ["an impossible length (4n+1)", `${HEADER}.${PAYLOAD}.${SIGNATURE}AAA`],
    ["non-zero trailing bits", `${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, -1)}B`],
    ["non-ASCII characters", `${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, -1)}é`],
  ])("rejects a token with %s as malformed", (_name, token) => {
    expect(rejection(token).code).toBe("ERR_TOKEN_MALFORMED");
  });

  it("documents why: workerd's atob would have decoded the whitespace and padded forms", () => {
    expect(atob(" Y Q = = ")).toBe("a");
  });
});
