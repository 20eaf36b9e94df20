/**
 * The test support itself against the released server: what the interop
 * suites (and the deploy tests) rely on about authgent-server 0.3.4.
 * stop()/restart()/rotateKeys() are exercised by key-lifecycle.test.ts.
 */
import { decodeJwt, decodeProtectedHeader } from "jose";
import { expect, it } from "vitest";
import { describeWithAuthgent, useAuthgent } from "../support/authgent/use-authgent.ts";
import { AUTHGENT_SERVER_VERSION } from "../../scripts/lib/authgent/version.ts";

describeWithAuthgent(`authgent-server ${AUTHGENT_SERVER_VERSION} as the tests run it`, () => {
  const authgent = useAuthgent();

  it("names AUTHGENT_SERVER_URL as the issuer in its RFC 8414 metadata", async () => {
    const { server } = authgent;
    const metadata = await server.getJson("/.well-known/oauth-authorization-server");
    expect(metadata.issuer).toBe(server.issuer);
    expect(metadata.jwks_uri).toBe(`${server.issuer}/.well-known/jwks.json`);
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
  });

  it("mints ES256 client_credentials tokens with aud = resource, or its own URL without one", async () => {
    const { server } = authgent;
    const client = await server.registerClient({ scope: "mcp:read" });
    const withResource = await server.clientCredentialsToken({ client, resource: "http://127.0.0.1:1/mcp", scope: "mcp:read" });
    const header = decodeProtectedHeader(withResource.access_token);
    expect(header).toMatchObject({ alg: "ES256", typ: "JWT" });
    expect(header.kid).toEqual(expect.any(String));
    expect(decodeJwt(withResource.access_token)).toMatchObject({
      iss: server.issuer,
      sub: `client:${client.client_id}`,
      aud: "http://127.0.0.1:1/mcp",
      scope: "mcp:read",
      client_id: client.client_id,
    });
    const without = await server.clientCredentialsToken({ client, scope: "mcp:read" });
    expect(decodeJwt(without.access_token).aud).toBe(server.issuer);
  });
});
