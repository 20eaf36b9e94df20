/**
 * Forged and malformed tokens, each driven through `authenticate` against a
 * fresh tenant of the local issuer (real JWKS over HTTP), and through
 * `errorResponse` to the HTTP status a client would see.
 */
import { CompactEncrypt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { authenticate, type AuthDeps } from "../../../worker/auth/authenticate.ts";
import { InvalidTokenError, type InvalidTokenCode } from "../../../worker/auth/errors.ts";
import { hasScope } from "../../../worker/auth/principal.ts";
import { MAX_TOKEN_LENGTH } from "../../../worker/auth/token-shape.ts";
import type { WorkerConfig } from "../../../worker/config.ts";
import { AuthgentError } from "../../../worker/errors.ts";
import { errorResponse } from "../../../worker/http/error-response.ts";
import { AUDIENCE, bearerRequest, configFor, createTenant, mint, publicJwks, stats, type MintRequest } from "./issuer-admin.ts";
import { b64url, segment, testSigner, validClaims } from "./raw-jws.ts";

/** Shared-cache off: every test's fetch counters then reflect this isolate only. */
const DEPS: AuthDeps = { cache: null };

interface Rejection {
  readonly error: AuthgentError;
  readonly response: Response;
}

async function reject(request: Request, config: WorkerConfig): Promise<Rejection> {
  const outcome = await authenticate(request, config, DEPS).then(
    (principal) => ({ principal }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`token was accepted for ${outcome.principal.subject}`);
  expect(outcome.error).toBeInstanceOf(AuthgentError);
  return { error: outcome.error as AuthgentError, response: errorResponse(outcome.error, config) };
}

/** Asserts a 401 invalid_token with this code (and claim, when given). */
async function expectInvalidToken(token: string, config: WorkerConfig, code: InvalidTokenCode, claim?: string): Promise<InvalidTokenError> {
  const { error, response } = await reject(bearerRequest(token), config);
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect(error.code).toBe(code);
  if (claim) expect((error as InvalidTokenError).claim).toBe(claim);
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  expect(response.headers.get("www-authenticate")).toContain(`resource_metadata="${config.resourceMetadataUrl}"`);
  return error as InvalidTokenError;
}

async function tenant(): Promise<{ issuer: string; kid: string; config: WorkerConfig; token: (r?: MintRequest) => Promise<string> }> {
  const { issuer, kid } = await createTenant();
  return { issuer, kid, config: configFor(issuer), token: (request) => mint(issuer, request) };
}

const now = (): number => Math.floor(Date.now() / 1000);

describe("forged tokens: algorithm and key selection", () => {
  it("rejects alg none with an empty signature, without fetching keys", async () => {
    const { issuer, kid, config } = await tenant();
    const token = `${segment({ alg: "none", kid, typ: "JWT" })}.${segment(validClaims(issuer, AUDIENCE))}.`;
    await expectInvalidToken(token, config, "ERR_TOKEN_UNSUPPORTED");
    expect((await stats(issuer)).jwksFetches).toBe(0);
  });

  it("rejects alg none carrying some signature anyway", async () => {
    const { issuer, kid, config } = await tenant();
    const token = `${segment({ alg: "none", kid })}.${segment(validClaims(issuer, AUDIENCE))}.${b64url("sig")}`;
    await expectInvalidToken(token, config, "ERR_TOKEN_UNSUPPORTED", "alg");
  });

  it("rejects HS256 signed with the issuer's public key bytes", async () => {
    const { issuer, kid, config } = await tenant();
    const publicJwk = (await publicJwks(issuer)).keys[0];
    for (const secret of [JSON.stringify(publicJwk), publicJwk?.x ?? ""]) {
      const token = await new SignJWT(validClaims(issuer, AUDIENCE))
        .setProtectedHeader({ alg: "HS256", kid, typ: "JWT" })
        .sign(new TextEncoder().encode(secret));
      await expectInvalidToken(token, config, "ERR_TOKEN_UNSUPPORTED", "alg");
    }
    expect((await stats(issuer)).jwksFetches).toBe(0);
  });

  it("rejects RS256 from the issuer itself when only ES256 is allowed", async () => {
    const { issuer } = await createTenant("RS256");
    await expectInvalidToken(await mint(issuer), configFor(issuer), "ERR_TOKEN_UNSUPPORTED", "alg");
    expect((await stats(issuer)).jwksFetches).toBe(0);
  });

  it("rejects a token without kid instead of trying the first key", async () => {
    const { issuer, config, token } = await tenant();
    await expectInvalidToken(await token({ header: { kid: null } }), config, "ERR_TOKEN_MALFORMED", "kid");
    expect((await stats(issuer)).jwksFetches).toBe(0);
  });

  it("rejects a correctly signed token naming a kid the issuer never published", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ header: { kid: "no-such-key" } }), config, "ERR_TOKEN_KEY_UNKNOWN", "kid");
  });

  it("ignores an embedded jwk header: the attacker's key never verifies", async () => {
    const { issuer, kid, config } = await tenant();
    const attacker = await testSigner("ES256");
    const claims = segment(validClaims(issuer, AUDIENCE));
    // Naming the issuer's kid: verified with the issuer's key, so the signature fails.
    const asIssuerKid = await attacker.sign(segment({ alg: "ES256", kid, jwk: attacker.publicJwk }), claims);
    await expectInvalidToken(asIssuerKid, config, "ERR_TOKEN_SIGNATURE");
    // Naming its own kid: no such published key.
    const asOwnKid = await attacker.sign(segment({ alg: "ES256", kid: attacker.kid, jwk: attacker.publicJwk }), claims);
    await expectInvalidToken(asOwnKid, config, "ERR_TOKEN_KEY_UNKNOWN");
  });

  it("ignores jku and x5u headers: the named key set is never fetched", async () => {
    const victim = await tenant();
    const attacker = await createTenant();
    const token = await mint(attacker.issuer, {
      claims: { iss: victim.issuer },
      header: { jku: `${attacker.issuer}/.well-known/jwks.json`, x5u: `${attacker.issuer}/cert.pem` },
    });
    await expectInvalidToken(token, victim.config, "ERR_TOKEN_KEY_UNKNOWN");
    expect(await stats(attacker.issuer)).toEqual({ jwksFetches: 0, metadataFetches: 0 });
  });

  it("rejects crit extensions", async () => {
    const { issuer, config } = await tenant();
    const signer = await testSigner("ES256", issuer);
    const header = segment({ alg: "ES256", kid: signer.kid, crit: ["exp"], exp: now() + 60 });
    await expectInvalidToken(await signer.sign(header, segment(validClaims(issuer, AUDIENCE))), config, "ERR_TOKEN_UNSUPPORTED", "crit");
  });

  it("rejects a payload altered after signing", async () => {
    const { config, token } = await tenant();
    const [header, , signature] = (await token()).split(".");
    const altered = segment({ ...validClaims(config.issuer, AUDIENCE), sub: "admin" });
    await expectInvalidToken(`${header}.${altered}.${signature}`, config, "ERR_TOKEN_SIGNATURE");
  });

  it("rejects a weak 1024-bit RSA key with a 401, not a 500", async () => {
    const { issuer } = await createTenant();
    const config = configFor(issuer, { JWT_ALGORITHMS: "RS256" });
    const weak = await testSigner("RS256-1024", issuer);
    const token = await weak.sign(segment({ alg: "RS256", kid: weak.kid, typ: "JWT" }), segment(validClaims(issuer, AUDIENCE)));
    const error = await expectInvalidToken(token, config, "ERR_TOKEN_UNSUPPORTED");
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it.each(["dpop+jwt", "logout+jwt", "application/jose"])("rejects typ %s", async (typ) => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ header: { typ } }), config, "ERR_TOKEN_UNSUPPORTED", "typ");
  });
});

describe("forged tokens: time claims", () => {
  it("rejects an expired token", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { iat: now() - 3700, exp: now() - 100 } }), config, "ERR_TOKEN_EXPIRED");
  });

  it("rejects a token that is not yet valid (nbf)", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { nbf: now() + 600 } }), config, "ERR_TOKEN_NOT_YET_VALID");
  });

  it("rejects a token issued in the future (iat)", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { iat: now() + 600, exp: now() + 1200 } }), config, "ERR_TOKEN_CLAIM_INVALID", "iat");
  });

  it("rejects a token without exp", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { exp: null } }), config, "ERR_TOKEN_CLAIM_INVALID", "exp");
  });

  it("rejects a token without iat", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { iat: null } }), config, "ERR_TOKEN_CLAIM_INVALID", "iat");
  });

  it("rejects a lifetime longer than MAX_TOKEN_LIFETIME (24 h by default)", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ ttlSeconds: 86_400 + 60 }), config, "ERR_TOKEN_CLAIM_INVALID", "exp");
  });
});

describe("forged tokens: issuer and audience", () => {
  it("rejects another issuer", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { iss: "https://evil.example" } }), config, "ERR_TOKEN_CLAIM_INVALID", "iss");
  });

  it("rejects the issuer with a trailing slash", async () => {
    const { issuer, config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { iss: `${issuer}/` } }), config, "ERR_TOKEN_CLAIM_INVALID", "iss");
  });

  it("rejects a wrong audience", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ audience: "https://evil.example" }), config, "ERR_TOKEN_CLAIM_INVALID", "aud");
  });

  it("rejects a token without aud", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { aud: null } }), config, "ERR_TOKEN_CLAIM_INVALID", "aud");
  });

  it.each([
    ["another MCP server", ["https://other-mcp.example"]],
    ["another path on this host", [`${AUDIENCE}/other`]],
    ["this resource with a trailing slash", [`${AUDIENCE}/`]],
  ])("rejects a token meant for %s", async (_name, audience) => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ audience }), config, "ERR_TOKEN_CLAIM_INVALID", "aud");
  });
});

describe("forged tokens: encoding and size", () => {
  it("rejects an oversized token before parsing or fetching", async () => {
    const { issuer, config, token } = await tenant();
    const huge = await token({ claims: { pad: "x".repeat(MAX_TOKEN_LENGTH) } });
    const { response } = await reject(bearerRequest(huge), config);
    expect(response.status).toBe(401);
    await expectInvalidToken(huge, config, "ERR_TOKEN_TOO_LARGE");
    expect((await stats(issuer)).jwksFetches).toBe(0);
  });

  it("rejects padded base64url", async () => {
    const { config, token } = await tenant();
    // Trailing "=" is legal RFC 6750 b64token syntax, so the token check rejects it (401)...
    await expectInvalidToken(`${await token()}=`, config, "ERR_TOKEN_MALFORMED");
    // ...while "=" mid-credential is not even a bearer credential (400).
    const [h, p, s] = (await token()).split(".");
    const request = new Request(`${AUDIENCE}/mcp`, { headers: { authorization: `Bearer ${h}==.${p}.${s}` } });
    const { error, response } = await reject(request, config);
    expect(error.code).toBe("ERR_AUTH_REQUEST_INVALID");
    expect(response.status).toBe(400);
  });

  it("rejects base64 '+' and '/' in place of '-' and '_'", async () => {
    const { config, token } = await tenant();
    const [h, p, s = ""] = (await token()).split(".");
    await expectInvalidToken(`${h}.${p}.+${s.slice(1)}`, config, "ERR_TOKEN_MALFORMED");
    await expectInvalidToken(`${h}.${p}./${s.slice(1)}`, config, "ERR_TOKEN_MALFORMED");
  });

  it("rejects whitespace inside the token as a malformed request (400)", async () => {
    const { config, token } = await tenant();
    const [h, p, s] = (await token()).split(".");
    const request = new Request(`${AUDIENCE}/mcp`, { headers: { authorization: `Bearer ${h}.${p} .${s}` } });
    const { error, response } = await reject(request, config);
    expect(error.code).toBe("ERR_AUTH_REQUEST_INVALID");
    expect(response.status).toBe(400);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_request"');
  });

  it("rejects a five-segment JWE", async () => {
    const { issuer, config } = await tenant();
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(validClaims(issuer, AUDIENCE))))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: "k" })
      .encrypt(crypto.getRandomValues(new Uint8Array(32)));
    expect(jwe.split(".")).toHaveLength(5);
    await expectInvalidToken(jwe, config, "ERR_TOKEN_UNSUPPORTED");
  });

  it("rejects a correctly signed non-JSON payload", async () => {
    const { issuer, config } = await tenant();
    const signer = await testSigner("ES256", issuer);
    const token = await signer.sign(segment({ alg: "ES256", kid: signer.kid }), b64url("sub=admin&scope=mcp:write"));
    await expectInvalidToken(token, config, "ERR_TOKEN_MALFORMED");
  });

  it("rejects a non-JSON header", async () => {
    const { config, token } = await tenant();
    const [, p, s] = (await token()).split(".");
    await expectInvalidToken(`${b64url("alg=ES256")}.${p}.${s}`, config, "ERR_TOKEN_MALFORMED");
  });
});

describe("forged tokens: scope", () => {
  it("rejects a scope that is not a string", async () => {
    const { config, token } = await tenant();
    await expectInvalidToken(await token({ claims: { scope: ["mcp:read", "mcp:write"] } }), config, "ERR_TOKEN_CLAIM_INVALID", "scope");
  });

  it.each(["mcp:readx", "MCP:READ", "mcp:read,mcp:write", "mcp:read\tmcp:write", "xmcp:read", "mcp:*"])(
    "does not grant mcp:read for scope %j",
    async (scope) => {
      const { config, token } = await tenant();
      const principal = await authenticate(bearerRequest(await token({ claims: { scope } })), config, DEPS);
      expect(hasScope(principal, "mcp:read")).toBe(false);
    },
  );

  it("grants exactly the space-separated scopes", async () => {
    const { config, token } = await tenant();
    const principal = await authenticate(bearerRequest(await token({ claims: { scope: "mcp:write mcp:read" } })), config, DEPS);
    expect(hasScope(principal, "mcp:read")).toBe(true);
    expect(hasScope(principal, "mcp:write")).toBe(true);
    expect(hasScope(principal, "mcp:admin")).toBe(false);
  });
});

describe("requests without a usable credential", () => {
  it("answers 401 without an error code when no token is presented", async () => {
    const { config } = await tenant();
    const { error, response } = await reject(new Request(`${AUDIENCE}/mcp`, { method: "POST" }), config);
    expect(error.code).toBe("ERR_TOKEN_MISSING");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${config.resourceMetadataUrl}", DPoP algs="ES256", resource_metadata="${config.resourceMetadataUrl}"`,
    );
  });

  it("ignores a token in the query string", async () => {
    const { config, token } = await tenant();
    const request = new Request(`${AUDIENCE}/mcp?access_token=${await token()}`, { method: "POST" });
    expect((await reject(request, config)).error.code).toBe("ERR_TOKEN_MISSING");
  });

  it("answers 400 to two Authorization headers, even if both are valid", async () => {
    const { config, token } = await tenant();
    const headers = new Headers();
    headers.append("authorization", `Bearer ${await token()}`);
    headers.append("authorization", `Bearer ${await token()}`);
    const { error, response } = await reject(new Request(`${AUDIENCE}/mcp`, { method: "POST", headers }), config);
    expect(error.code).toBe("ERR_AUTH_REQUEST_INVALID");
    expect(response.status).toBe(400);
  });

  it("accepts the valid token that the forgeries above were derived from", async () => {
    const { issuer, config, token } = await tenant();
    const principal = await authenticate(bearerRequest(await token()), config, DEPS);
    expect(principal).toMatchObject({ issuer, subject: "user-1", clientId: "local-dev-client" });
  });
});
