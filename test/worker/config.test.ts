import { describe, expect, it } from "vitest";
import { WORKER_VARS } from "../../worker/bindings.ts";
import { parseWorkerConfig, workerConfig } from "../../worker/config.ts";
import { ConfigError } from "../../worker/errors.ts";

const REQUIRED = { AUTHGENT_ISSUER: "https://auth.example.com", MCP_AUDIENCE: "https://mcp.example.com" } as const;

function configError(vars: Record<string, unknown>): ConfigError {
  try {
    parseWorkerConfig({ ...REQUIRED, ...vars });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(vars)}`);
}

describe("parseWorkerConfig", () => {
  it("needs only AUTHGENT_ISSUER and MCP_AUDIENCE, applying the documented default of every other var", () => {
    const config = parseWorkerConfig(REQUIRED);
    expect(config).toEqual({
      issuer: "https://auth.example.com",
      audience: "https://mcp.example.com",
      resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource",
      jwksCacheTtlSeconds: Number(WORKER_VARS.JWKS_CACHE_TTL.default),
      rateLimitPerMinute: Number(WORKER_VARS.RATE_LIMIT_PER_MINUTE.default),
      allowedOrigins: [],
      algorithms: ["ES256"],
      clockToleranceSeconds: Number(WORKER_VARS.CLOCK_TOLERANCE.default),
      maxTokenLifetimeSeconds: Number(WORKER_VARS.MAX_TOKEN_LIFETIME.default),
      resourceName: WORKER_VARS.RESOURCE_NAME.default,
      sharedSubjects: WORKER_VARS.SHARED_SUBJECTS.default.split(","),
      requireDpop: false,
      dpopAlgorithms: ["ES256"],
      dpopProofMaxAgeSeconds: Number(WORKER_VARS.DPOP_PROOF_MAX_AGE.default),
      dpopNonce: false,
    });
    expect(config).toMatchObject({ jwksCacheTtlSeconds: 300, rateLimitPerMinute: 120, clockToleranceSeconds: 30 });
  });

  it("treats empty optional vars as unset", () => {
    expect(parseWorkerConfig({ ...REQUIRED, JWKS_CACHE_TTL: "", JWT_ALGORITHMS: " " })).toMatchObject({
      jwksCacheTtlSeconds: 300,
      algorithms: ["ES256"],
    });
  });

  it("names each missing required var", () => {
    expect(() => parseWorkerConfig({ MCP_AUDIENCE: REQUIRED.MCP_AUDIENCE })).toThrow(/AUTHGENT_ISSUER is not set/);
    expect(() => parseWorkerConfig({ AUTHGENT_ISSUER: REQUIRED.AUTHGENT_ISSUER })).toThrow(/MCP_AUDIENCE is not set/);
  });

  it("keeps the issuer verbatim, trailing slash included (RFC 8414 §3.3 exact match)", () => {
    expect(parseWorkerConfig({ ...REQUIRED, AUTHGENT_ISSUER: "https://auth.example.com/t/a/" }).issuer).toBe("https://auth.example.com/t/a/");
  });

  it("canonicalizes the audience: no trailing slash, lower-case host, path kept, metadata URL per RFC 9728 §3.1", () => {
    expect(parseWorkerConfig({ ...REQUIRED, MCP_AUDIENCE: "https://MCP.Example.com/" })).toMatchObject({
      audience: "https://mcp.example.com",
      resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource",
    });
    expect(parseWorkerConfig({ ...REQUIRED, MCP_AUDIENCE: "https://mcp.example.com/team/" })).toMatchObject({
      audience: "https://mcp.example.com/team",
      resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/team",
    });
  });

  it("requires https URLs, allowing http only on loopback", () => {
    expect(configError({ AUTHGENT_ISSUER: "http://auth.example.com" }).variable).toBe("AUTHGENT_ISSUER");
    expect(configError({ MCP_AUDIENCE: "ftp://mcp.example.com" }).variable).toBe("MCP_AUDIENCE");
    expect(parseWorkerConfig({ AUTHGENT_ISSUER: "http://127.0.0.1:8788/t/dev", MCP_AUDIENCE: "http://localhost:8787" }).audience).toBe(
      "http://localhost:8787",
    );
  });

  it("refuses URLs with a query, a fragment or credentials", () => {
    for (const url of ["https://mcp.example.com/?a=1", "https://mcp.example.com/#x", "https://u:p@mcp.example.com"]) {
      expect(configError({ MCP_AUDIENCE: url }).variable).toBe("MCP_AUDIENCE");
    }
  });

  it("accepts only ES256, RS256 and EdDSA, as a comma-separated list without duplicates", () => {
    expect(parseWorkerConfig({ ...REQUIRED, JWT_ALGORITHMS: "RS256, ES256,RS256" }).algorithms).toEqual(["RS256", "ES256"]);
    expect(configError({ JWT_ALGORITHMS: "ES256,HS256" }).message).toContain('"HS256" is not one of ES256, RS256, EdDSA');
    expect(configError({ JWT_ALGORITHMS: "none" }).variable).toBe("JWT_ALGORITHMS");
    expect(configError({ JWT_ALGORITHMS: "," }).variable).toBe("JWT_ALGORITHMS");
  });

  it.each([
    ["JWKS_CACHE_TTL", "-5", "JWKS_CACHE_TTL must be a whole number of seconds from 1 to 86400"],
    ["JWKS_CACHE_TTL", "0", "JWKS_CACHE_TTL must be a whole number of seconds from 1 to 86400"],
    ["RATE_LIMIT_PER_MINUTE", "lots", "RATE_LIMIT_PER_MINUTE must be a whole number of requests per minute from 1 to 1000000"],
    ["CLOCK_TOLERANCE", "301", "CLOCK_TOLERANCE must be a whole number of seconds from 0 to 300"],
    ["MAX_TOKEN_LIFETIME", "1.5", "MAX_TOKEN_LIFETIME must be a whole number of seconds from 60 to 31536000"],
  ])("refuses %s=%j, saying which values are allowed", (name, value, message) => {
    const error = configError({ [name]: value });
    expect(error.variable).toBe(name);
    expect(error.message).toContain(message);
  });

  it("reads the DPoP settings and refuses symmetric proof algorithms and non-boolean switches", () => {
    expect(parseWorkerConfig({ ...REQUIRED, REQUIRE_DPOP: "true", DPOP_ALGORITHMS: "ES256, EdDSA", DPOP_PROOF_MAX_AGE: "30", DPOP_NONCE: "true" })).toMatchObject({
      requireDpop: true,
      dpopAlgorithms: ["ES256", "EdDSA"],
      dpopProofMaxAgeSeconds: 30,
      dpopNonce: true,
    });
    expect(configError({ DPOP_ALGORITHMS: "HS256" }).message).toContain('"HS256" is not one of ES256, ES384, PS256, RS256, EdDSA (asymmetric only)');
    expect(configError({ DPOP_ALGORITHMS: "none" }).variable).toBe("DPOP_ALGORITHMS");
    expect(configError({ REQUIRE_DPOP: "yes" }).message).toBe('REQUIRE_DPOP must be true or false, got "yes"');
    expect(configError({ DPOP_NONCE: "1" }).variable).toBe("DPOP_NONCE");
    expect(configError({ DPOP_PROOF_MAX_AGE: "601" }).message).toContain("DPOP_PROOF_MAX_AGE must be a whole number of seconds from 1 to 600");
  });

  it("accepts only bare origins in ALLOWED_ORIGINS", () => {
    expect(parseWorkerConfig({ ...REQUIRED, ALLOWED_ORIGINS: "https://app.example.com, http://localhost:3000/" }).allowedOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:3000",
    ]);
    expect(configError({ ALLOWED_ORIGINS: "https://app.example.com/path" }).variable).toBe("ALLOWED_ORIGINS");
    expect(configError({ ALLOWED_ORIGINS: "app.example.com" }).variable).toBe("ALLOWED_ORIGINS");
  });

  it("refuses a var of the wrong type instead of coercing it", () => {
    expect(configError({ JWKS_CACHE_TTL: 300 }).variable).toBe("JWKS_CACHE_TTL");
  });
});

describe("workerConfig", () => {
  it("parses once per env object, so per-config caches (CORS, verified tokens) keep working", () => {
    const env = { ...REQUIRED };
    expect(workerConfig(env)).toBe(workerConfig(env));
    expect(workerConfig({ ...REQUIRED })).not.toBe(workerConfig(env));
  });
});
