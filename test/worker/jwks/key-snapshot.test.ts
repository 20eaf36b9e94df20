import { describe, expect, it } from "vitest";
import { JwksFetchError } from "../../../worker/jwks/fetch-error.ts";
import { buildKeySnapshot } from "../../../worker/jwks/key-snapshot.ts";
import { createTenant, publicJwks } from "../auth/issuer-admin.ts";

async function invalidReason(document: unknown): Promise<string> {
  const error = await buildKeySnapshot(document, Date.now(), ["ES256"]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(JwksFetchError);
  return (error as JwksFetchError).reason;
}

describe("buildKeySnapshot", () => {
  it("indexes the published kids and selects keys by kid and alg", async () => {
    const { issuer, kid } = await createTenant();
    const jwks = await publicJwks(issuer);
    const snapshot = await buildKeySnapshot(jwks, 1234, ["ES256"]);
    expect([...snapshot.kids]).toEqual([kid]);
    expect(snapshot.fetchedAtMs).toBe(1234);
    const key = await snapshot.keySet({ alg: "ES256", kid });
    expect(key.type).toBe("public");
  });

  it("never selects a published key that has no kid", async () => {
    const { issuer } = await createTenant();
    const [jwk] = (await publicJwks(issuer)).keys;
    const withoutKid = { ...jwk, kid: undefined };
    const snapshot = await buildKeySnapshot({ keys: [withoutKid] }, 0, ["ES256"]);
    expect(snapshot.kids.size).toBe(0);
  });

  it.each([
    ["no keys member", { issuer: "https://auth.example" }],
    ["keys that are not objects", { keys: [42] }],
    ["a keys member that is not an array", { keys: {} }],
    ["a JSON array", []],
  ])("rejects a document with %s", async (_name, document) => {
    expect(await invalidReason(document)).toBe("invalid_jwks");
  });

  it("rejects a JWKS that publishes private key material", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const privateJwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
    expect(await invalidReason({ keys: [{ ...privateJwk, kid: "leaked" }] })).toBe("invalid_jwks");
  });

  it("rejects a JWKS that publishes a symmetric key", async () => {
    expect(await invalidReason({ keys: [{ kty: "oct", k: "c2VjcmV0", kid: "hmac" }] })).toBe("invalid_jwks");
  });
});
