/**
 * RFC 9449 at the edge: the DPoP attack set, each forged with exactly one
 * defect, driven through `authenticate` against a real tenant of the local
 * issuer and through `errorResponse` to the status and challenge a client sees.
 */
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { authenticate, type AuthDeps } from "../../../worker/auth/authenticate.ts";
import { DpopReplayGuard } from "../../../worker/auth/dpop/replay-guard.ts";
import type { DpopProofCheck } from "../../../worker/auth/errors.ts";
import type { Principal } from "../../../worker/auth/principal.ts";
import type { WorkerConfig } from "../../../worker/config.ts";
import { AuthgentError } from "../../../worker/errors.ts";
import { errorResponse } from "../../../worker/http/error-response.ts";
import { boundToken, dpopKey, dpopProof, dpopRequest, type DpopKey, type ProofOverrides } from "./dpop-client.ts";
import { AUDIENCE, bearerRequest, configFor, createTenant, mint } from "./issuer-admin.ts";
import { b64url, segment } from "./raw-jws.ts";

const URL_ = `${AUDIENCE}/mcp`;
const now = (): number => Math.floor(Date.now() / 1000);

let issuer: string;
let config: WorkerConfig;
let key: DpopKey;
let token: string;

/** Each test gets its own isolate-local guard; cross-isolate behaviour is in dpop-replay.test.ts. */
const deps = (): AuthDeps => ({ cache: null, dpopReplay: new DpopReplayGuard({ shared: null }) });

beforeAll(async () => {
  ({ issuer } = await createTenant());
  config = configFor(issuer);
  key = await dpopKey();
  token = await boundToken(issuer, key);
});

async function accept(request: Request, options: { config?: WorkerConfig; deps?: AuthDeps } = {}): Promise<Principal> {
  return await authenticate(request, options.config ?? config, options.deps ?? deps());
}

async function rejection(request: Request, options: { config?: WorkerConfig; deps?: AuthDeps } = {}): Promise<{ error: AuthgentError; response: Response }> {
  const cfg = options.config ?? config;
  const outcome = await authenticate(request, cfg, options.deps ?? deps()).then(
    (principal) => ({ principal }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`accepted for ${outcome.principal.subject}`);
  expect(outcome.error).toBeInstanceOf(AuthgentError);
  return { error: outcome.error as AuthgentError, response: errorResponse(outcome.error, cfg) };
}

/** 401 invalid_dpop_proof for `check`, on the DPoP challenge, with the Bearer challenge still offered first. */
async function expectBadProof(request: Request, check: DpopProofCheck): Promise<void> {
  const { error, response } = await rejection(request);
  expect(error).toMatchObject({ code: "ERR_DPOP_PROOF_INVALID", check });
  expect(response.status).toBe(401);
  const challenge = response.headers.get("www-authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer resource_metadata="[^"]+", DPoP error="invalid_dpop_proof", error_description="[^"]+", algs="ES256", resource_metadata=/);
  expect(((await response.json()) as { error: string }).error).toBe("invalid_dpop_proof");
}

async function withProof(overrides: ProofOverrides = {}, target: { method?: string; url?: string } = {}): Promise<Request> {
  const proof = await dpopProof(key, { method: target.method ?? "POST", url: target.url ?? URL_, token }, overrides);
  return dpopRequest(URL_, token, [proof]);
}

describe("DPoP: a correct proof", () => {
  it("authenticates a DPoP-bound token with its proof and keeps the binding on the principal", async () => {
    const principal = await accept(await withProof());
    expect(principal.dpopJkt).toBe(key.jkt);
  });

  it("ignores the query and fragment of htu and normalises case, default port and unreserved escapes (RFC 9449 §4.3)", async () => {
    for (const htu of [`${URL_}?x=1#frag`, "HTTPS://MCP.TEST.EXAMPLE:443/mcp", "https://mcp.test.example/%6Dcp"]) {
      await accept(await withProof({ claims: { htu } }));
    }
  });

  it("compares htu with the URL the request arrived at, whatever host that is (custom domain, route, workers.dev)", async () => {
    const other = "https://mcp-alias.example.net/mcp";
    const proof = await dpopProof(key, { method: "POST", url: other, token });
    await accept(dpopRequest(other, token, [proof]));
    await expectBadProof(dpopRequest(URL_, token, [await dpopProof(key, { method: "POST", url: other, token })]), "htu");
  });

  it("accepts iat at the edges of the window: max age in the past, clock tolerance in the future", async () => {
    await accept(await withProof({ claims: { iat: now() - config.dpopProofMaxAgeSeconds + 1 } }));
    await accept(await withProof({ claims: { iat: now() + config.clockToleranceSeconds - 1 } }));
  });
});

describe("DPoP: the attack set (each a 401, never a 5xx)", () => {
  it("refuses a replayed jti", async () => {
    const request = await withProof();
    const guard = deps();
    await accept(request.clone(), { deps: guard });
    const { error, response } = await rejection(request, { deps: guard });
    expect(error).toMatchObject({ code: "ERR_DPOP_PROOF_INVALID", check: "replayed" });
    expect(response.status).toBe(401);
  });

  it("refuses a proof for another method (htm)", async () => {
    await expectBadProof(await withProof({}, { method: "DELETE" }), "htm");
    await expectBadProof(await withProof({ claims: { htm: "post" } }), "htm");
  });

  it("refuses a proof for another URL (htu): other host, other path, other scheme, no htu", async () => {
    for (const htu of ["https://evil.example/mcp", `${AUDIENCE}/mcp/other`, "http://mcp.test.example/mcp", "not a url", null]) {
      await expectBadProof(await withProof({ claims: { htu } }), "htu");
    }
  });

  it("refuses a stale iat, a future iat and a missing one", async () => {
    await expectBadProof(await withProof({ claims: { iat: now() - config.dpopProofMaxAgeSeconds - 2 } }), "iat");
    await expectBadProof(await withProof({ claims: { iat: now() + config.clockToleranceSeconds + 5 } }), "iat");
    await expectBadProof(await withProof({ claims: { iat: null } }), "iat");
  });

  it("honours a configured proof window (DPOP_PROOF_MAX_AGE)", async () => {
    const narrow = configFor(issuer, { DPOP_PROOF_MAX_AGE: "5" });
    const stale = await withProof({ claims: { iat: now() - 10 } });
    const { error } = await rejection(stale, { config: narrow });
    expect(error).toMatchObject({ check: "iat" });
  });

  it("refuses a missing ath and an ath of another token", async () => {
    await expectBadProof(await withProof({ claims: { ath: null } }), "ath");
    const other = await mint(issuer, { claims: { cnf: { jkt: key.jkt } } });
    await expectBadProof(await withProof({ claims: { ath: b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(other)))) } }), "ath");
  });

  it("refuses a proof signed by a key other than the token's cnf.jkt with invalid_token on the DPoP challenge", async () => {
    const thief = await dpopKey();
    const proof = await dpopProof(thief, { method: "POST", url: URL_, token });
    const { error, response } = await rejection(dpopRequest(URL_, token, [proof]));
    expect(error).toMatchObject({ code: "ERR_TOKEN_BINDING", scheme: "DPoP" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer resource_metadata="[^"]+", DPoP error="invalid_token", error_description="The access token is not bound to the DPoP proof key", algs="ES256"/);
  });

  it("refuses a proof whose signature is not by the key in its header", async () => {
    const other = await dpopKey();
    await expectBadProof(await withProof({ signWith: other.privateKey }), "signature");
  });

  it("refuses a private key in the header, even one that signed the proof", async () => {
    await expectBadProof(await withProof({ header: { jwk: key.privateJwk } }), "jwk");
    await expectBadProof(await withProof({ header: { jwk: null } }), "jwk");
    await expectBadProof(await withProof({ header: { jwk: { ...key.publicJwk, use: "enc" } } }), "jwk");
  });

  it("refuses alg none and HS256 before any key is used", async () => {
    const claims = { jti: crypto.randomUUID(), htm: "POST", htu: URL_, iat: now() };
    const none = `${segment({ typ: "dpop+jwt", alg: "none", jwk: key.publicJwk })}.${segment(claims)}.${b64url("x")}`;
    await expectBadProof(dpopRequest(URL_, token, [none]), "alg");
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const hs256 = await new SignJWT(claims).setProtectedHeader({ typ: "dpop+jwt", alg: "HS256", jwk: key.publicJwk } as { alg: string }).sign(secret);
    await expectBadProof(dpopRequest(URL_, token, [hs256]), "alg");
  });

  it("refuses an alg outside DPOP_ALGORITHMS even when the signature is good", async () => {
    const ed = await dpopKey("EdDSA");
    const edToken = await boundToken(issuer, ed);
    const proof = await dpopProof(ed, { method: "POST", url: URL_, token: edToken });
    await expectBadProof(dpopRequest(URL_, edToken, [proof]), "alg");
    await accept(dpopRequest(URL_, edToken, [proof]), { config: configFor(issuer, { DPOP_ALGORITHMS: "ES256,EdDSA" }) });
  });

  it("refuses typ JWT and a missing typ", async () => {
    await expectBadProof(await withProof({ header: { typ: "JWT" } }), "typ");
    await expectBadProof(await withProof({ header: { typ: null } }), "typ");
  });

  it("refuses two proofs", async () => {
    const [a, b] = [await dpopProof(key, { method: "POST", url: URL_, token }), await dpopProof(key, { method: "POST", url: URL_, token })];
    await expectBadProof(dpopRequest(URL_, token, [a, b]), "multiple");
  });

  it("refuses the DPoP scheme without a proof", async () => {
    await expectBadProof(dpopRequest(URL_, token, []), "missing");
  });

  it("refuses a DPoP-bound token presented as Bearer with invalid_token on the Bearer challenge", async () => {
    const { error, response } = await rejection(bearerRequest(token));
    expect(error).toMatchObject({ code: "ERR_TOKEN_BINDING", scheme: "Bearer", claim: "cnf" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token", error_description="The access token requires a DPoP proof", resource_metadata="[^"]+", DPoP algs="ES256"/);
  });

  it("refuses a DPoP-bound token as Bearer even with a valid proof alongside", async () => {
    const proof = await dpopProof(key, { method: "POST", url: URL_, token });
    const { error } = await rejection(dpopRequest(URL_, token, [proof], { scheme: "Bearer" }));
    expect(error).toMatchObject({ code: "ERR_TOKEN_BINDING", scheme: "Bearer" });
  });

  it("refuses an unbound token with the DPoP scheme, even with a valid proof", async () => {
    const plain = await mint(issuer);
    const proof = await dpopProof(key, { method: "POST", url: URL_, token: plain });
    const { error } = await rejection(dpopRequest(URL_, plain, [proof]));
    expect(error).toMatchObject({ code: "ERR_TOKEN_BINDING", scheme: "DPoP" });
  });

  it("refuses a token bound some other way (cnf without jkt)", async () => {
    const x5t = await mint(issuer, { claims: { cnf: { "x5t#S256": "abc" } } });
    const { error, response } = await rejection(bearerRequest(x5t));
    expect(error).toMatchObject({ code: "ERR_TOKEN_CLAIM_INVALID", claim: "cnf" });
    expect(response.status).toBe(401);
  });

  it("answers malformed proofs with 401 invalid_dpop_proof", async () => {
    const cases = ["garbage", "a.b", "a.b.c.d.e", `${b64url("not json")}.${b64url("{}")}.${b64url("s")}`, `${segment({ typ: "dpop+jwt", alg: "ES256", jwk: key.publicJwk })}.${b64url("[1]")}.${b64url("s")}`];
    for (const proof of cases) {
      const { error, response } = await rejection(dpopRequest(URL_, token, [proof]));
      expect(error.code).toBe("ERR_DPOP_PROOF_INVALID");
      expect(response.status).toBe(401);
    }
    await expectBadProof(await withProof({ claims: { jti: null } }), "jti");
    await expectBadProof(await withProof({ claims: { jti: "x".repeat(257) } }), "jti");
    await expectBadProof(await withProof({ header: { crit: ["b64"], b64: true } }), "malformed");
  });
});

describe("DPoP required (REQUIRE_DPOP=true)", () => {
  it("refuses a plain Bearer token with a DPoP-only challenge and still accepts DPoP", async () => {
    const strict = configFor(issuer, { REQUIRE_DPOP: "true" });
    const { error, response } = await rejection(bearerRequest(await mint(issuer)), { config: strict });
    expect(error).toMatchObject({ code: "ERR_TOKEN_BINDING", scheme: "DPoP" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `DPoP error="invalid_token", error_description="This resource requires a DPoP-bound access token", algs="ES256", resource_metadata="${strict.resourceMetadataUrl}"`,
    );
    await accept(await withProof(), { config: strict });
  });
});
