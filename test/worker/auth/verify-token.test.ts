import { createLocalJWKSet } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidTokenError } from "../../../worker/auth/errors.ts";
import type { KeySelector } from "../../../worker/auth/header-policy.ts";
import { verifyAccessToken, type KeyResolver } from "../../../worker/auth/verify-token.ts";
import { AUDIENCE, configFor, createTenant, mint, publicJwks, type IssuerAlg, type MintRequest } from "./issuer-admin.ts";

const nowSeconds = (): number => Date.now() / 1000;

/** Keys straight from the tenant's JWKS, recording what key selection was asked. */
async function keysOf(issuer: string): Promise<{ getKey: KeyResolver; asked: KeySelector[] }> {
  const keySet = createLocalJWKSet(await publicJwks(issuer));
  const asked: KeySelector[] = [];
  return {
    asked,
    getKey: async (selector) => {
      asked.push(selector);
      return await keySet({ alg: selector.alg, kid: selector.kid });
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return error as InvalidTokenError;
}

describe("verifyAccessToken with the default ES256 configuration", () => {
  let issuer: string;
  let getKey: KeyResolver;
  let asked: KeySelector[];
  const token = (request: MintRequest = {}) => mint(issuer, request);
  const verify = (t: string, at = nowSeconds(), vars = {}) => verifyAccessToken(t, getKey, configFor(issuer, vars), at);

  beforeAll(async () => {
    ({ issuer } = await createTenant("ES256"));
    ({ getKey, asked } = await keysOf(issuer));
  });

  it("returns the principal of a valid token", async () => {
    const t = await token({
      claims: { sub: "alice", scope: "mcp:read mcp:write", client_id: "cli-1", email: "a@example.com", name: "Alice" },
      ttlSeconds: 600,
    });
    const principal = await verify(t);
    expect(principal).toMatchObject({
      issuer,
      subject: "alice",
      clientId: "cli-1",
      scope: "mcp:read mcp:write",
      email: "a@example.com",
      name: "Alice",
    });
    expect([...principal.scopes]).toEqual(["mcp:read", "mcp:write"]);
    expect(principal.expiresAt).toBeGreaterThan(nowSeconds() + 500);
  });

  it("gives a token without scope or client_id an empty scope set and no client", async () => {
    const principal = await verify(await token({ claims: { scope: null, client_id: null } }));
    expect(principal.scope).toBe("");
    expect(principal.scopes.size).toBe(0);
    expect(principal.clientId).toBeUndefined();
  });

  it("splits scope on single spaces only, case-sensitively", async () => {
    const principal = await verify(await token({ claims: { scope: "mcp:read  MCP:WRITE\tmcp:admin" } }));
    expect([...principal.scopes]).toEqual(["mcp:read", "MCP:WRITE\tmcp:admin"]);
  });

  it("drops display claims of the wrong type instead of failing", async () => {
    const principal = await verify(await token({ claims: { email: 42, name: ["x"] } }));
    expect(principal.email).toBeUndefined();
    expect(principal.name).toBeUndefined();
  });

  it("accepts an aud array that lists this resource", async () => {
    await expect(verify(await token({ audience: ["https://other.example", AUDIENCE] }))).resolves.toBeTruthy();
  });

  it.each(["JWT", "jwt", "at+jwt", "application/at+jwt", "AT+JWT"])("accepts typ %s", async (typ) => {
    await expect(verify(await token({ header: { typ } }))).resolves.toBeTruthy();
  });

  it("accepts a token without typ", async () => {
    await expect(verify(await token({ header: { typ: null } }))).resolves.toBeTruthy();
  });

  it.each(["dpop+jwt", "logout+jwt", "JOSE", "application/jwt+x"])("rejects typ %s", async (typ) => {
    const error = await rejection(verify(await token({ header: { typ } })));
    expect(error.code).toBe("ERR_TOKEN_UNSUPPORTED");
    expect(error.claim).toBe("typ");
  });

  it("asks the key resolver for alg and kid only, never embedded key headers", async () => {
    asked.length = 0;
    const t = await token({ header: { jku: "https://attacker.example/jwks.json", x5u: "https://attacker.example/cert" } });
    await verify(t);
    expect(asked).toEqual([{ alg: "ES256", kid: expect.any(String) }]);
    expect(Object.keys(asked[0] ?? {}).sort()).toEqual(["alg", "kid"]);
  });

  it("never consults the key resolver for a token without kid", async () => {
    asked.length = 0;
    const error = await rejection(verify(await token({ header: { kid: null } })));
    expect(error.code).toBe("ERR_TOKEN_MALFORMED");
    expect(error.claim).toBe("kid");
    expect(asked).toEqual([]);
  });

  it("honours the clock tolerance around exp (30 s by default)", async () => {
    const t = await token({ ttlSeconds: 60 });
    const exp = Math.floor(nowSeconds()) + 60;
    await expect(verify(t, exp + 29)).resolves.toBeTruthy();
    const error = await rejection(verify(t, exp + 31));
    expect(error.code).toBe("ERR_TOKEN_EXPIRED");
  });

  it("uses the configured clock tolerance", async () => {
    const t = await token({ ttlSeconds: 60 });
    const exp = Math.floor(nowSeconds()) + 60;
    expect((await rejection(verify(t, exp + 1, { CLOCK_TOLERANCE: "0" }))).code).toBe("ERR_TOKEN_EXPIRED");
  });

  it("accepts nbf within the tolerance and rejects it beyond", async () => {
    const now = Math.floor(nowSeconds());
    await expect(verify(await token({ claims: { nbf: now + 20 } }), now)).resolves.toBeTruthy();
    expect((await rejection(verify(await token({ claims: { nbf: now + 40 } }), now))).code).toBe("ERR_TOKEN_NOT_YET_VALID");
  });

  it("accepts a lifetime of exactly MAX_TOKEN_LIFETIME and rejects one second more", async () => {
    const iat = Math.floor(nowSeconds());
    const vars = { MAX_TOKEN_LIFETIME: "600" };
    await expect(verify(await token({ claims: { iat, exp: iat + 600 } }), iat, vars)).resolves.toBeTruthy();
    const error = await rejection(verify(await token({ claims: { iat, exp: iat + 601 } }), iat, vars));
    expect(error.code).toBe("ERR_TOKEN_CLAIM_INVALID");
    expect(error.claim).toBe("exp");
  });

  it("rejects an empty sub", async () => {
    const error = await rejection(verify(await token({ claims: { sub: "" } })));
    expect([error.code, error.claim]).toEqual(["ERR_TOKEN_CLAIM_INVALID", "sub"]);
  });

  it("rejects a non-string sub", async () => {
    const error = await rejection(verify(await token({ claims: { sub: 12345 } })));
    expect([error.code, error.claim]).toEqual(["ERR_TOKEN_CLAIM_INVALID", "sub"]);
  });

  it("rejects a non-string client_id", async () => {
    const error = await rejection(verify(await token({ claims: { client_id: { id: "x" } } })));
    expect([error.code, error.claim]).toEqual(["ERR_TOKEN_CLAIM_INVALID", "client_id"]);
  });

  it("rejects a missing sub", async () => {
    const error = await rejection(verify(await token({ claims: { sub: null } })));
    expect([error.code, error.claim]).toEqual(["ERR_TOKEN_CLAIM_INVALID", "sub"]);
  });

  it("rejects a non-numeric exp", async () => {
    const error = await rejection(verify(await token({ claims: { exp: "tomorrow" } })));
    expect([error.code, error.claim]).toEqual(["ERR_TOKEN_CLAIM_INVALID", "exp"]);
  });

  it("keeps the jose error as cause", async () => {
    const error = await rejection(verify(await token({ audience: "https://other.example" })));
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as { code?: string }).code).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED");
  });

  it("lets an unexpected resolver failure through untranslated", async () => {
    const bug = new RangeError("resolver bug");
    const t = await token();
    const error = await verifyAccessToken(t, async () => { throw bug; }, configFor(issuer), nowSeconds()).catch((e: unknown) => e);
    expect(error).toBe(bug);
  });
});

describe.each<[IssuerAlg, string]>([
  ["RS256", "RS256"],
  ["EdDSA", "EdDSA"],
  ["RS256", "ES256,RS256"],
])("verifyAccessToken with a %s issuer and JWT_ALGORITHMS=%s", (alg, algorithms) => {
  it("verifies the issuer's tokens once the algorithm is opted in", async () => {
    const { issuer } = await createTenant(alg);
    const { getKey } = await keysOf(issuer);
    const principal = await verifyAccessToken(await mint(issuer), getKey, configFor(issuer, { JWT_ALGORITHMS: algorithms }), nowSeconds());
    expect(principal.subject).toBe("user-1");
  });

  it("rejects the same tokens under the default ES256-only configuration", async () => {
    const { issuer } = await createTenant(alg);
    const { getKey, asked } = await keysOf(issuer);
    const error = await rejection(verifyAccessToken(await mint(issuer), getKey, configFor(issuer), nowSeconds()));
    expect([error.code, error.claim]).toEqual(["ERR_TOKEN_UNSUPPORTED", "alg"]);
    expect(asked).toEqual([]);
  });
});
