import { describe, expect, it } from "vitest";
import {
  authorizationServerMetadataUrl,
  discoverJwksUri,
  fallbackJwksUri,
  isAcceptableJwksUri,
} from "../../../worker/jwks/discovery.ts";
import { JwksFetchError } from "../../../worker/jwks/fetch-error.ts";
import { configFor, createTenant, mint, setMode, stats } from "../auth/issuer-admin.ts";
import { outcomeCode } from "./support.ts";

const limits = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), timeoutMs: 5_000, maxBodyBytes: 256 * 1024 };

describe("RFC 8414 metadata location", () => {
  it("inserts the well-known segment between host and issuer path (§3.1)", () => {
    expect(authorizationServerMetadataUrl("https://auth.example/t/acme")).toBe(
      "https://auth.example/.well-known/oauth-authorization-server/t/acme",
    );
  });

  it("uses the bare well-known path for a host-only issuer, with or without a slash", () => {
    expect(authorizationServerMetadataUrl("https://auth.example")).toBe("https://auth.example/.well-known/oauth-authorization-server");
    expect(authorizationServerMetadataUrl("https://auth.example/")).toBe("https://auth.example/.well-known/oauth-authorization-server");
  });

  it("drops a terminating slash of the issuer path (§3.1)", () => {
    expect(authorizationServerMetadataUrl("https://auth.example/t/acme/")).toBe(
      "https://auth.example/.well-known/oauth-authorization-server/t/acme",
    );
  });

  it("falls back to <issuer>/.well-known/jwks.json", () => {
    expect(fallbackJwksUri("https://auth.example/t/acme")).toBe("https://auth.example/t/acme/.well-known/jwks.json");
    expect(fallbackJwksUri("https://auth.example/")).toBe("https://auth.example/.well-known/jwks.json");
  });

  it("accepts https jwks_uri everywhere and http only on loopback", () => {
    expect(isAcceptableJwksUri("https://keys.example/jwks")).toBe(true);
    expect(isAcceptableJwksUri("http://127.0.0.1:8787/jwks")).toBe(true);
    expect(isAcceptableJwksUri("http://localhost/jwks")).toBe(true);
    expect(isAcceptableJwksUri("http://keys.example/jwks")).toBe(false);
    expect(isAcceptableJwksUri("ftp://keys.example/jwks")).toBe(false);
    expect(isAcceptableJwksUri("https://user:pw@keys.example/jwks")).toBe(false);
    expect(isAcceptableJwksUri("/relative/jwks")).toBe(false);
  });
});

describe("discoverJwksUri against the local issuer", () => {
  it("reads jwks_uri from the RFC 8414 metadata", async () => {
    const { issuer } = await createTenant();
    expect(await discoverJwksUri(issuer, limits)).toBe(`${issuer}/.well-known/jwks.json`);
    expect((await stats(issuer)).metadataFetches).toBe(1);
  });

  it("falls back to /.well-known/jwks.json when the issuer serves no metadata", async () => {
    const { issuer } = await createTenant();
    await setMode(issuer, { serveMetadata: false });
    expect(await discoverJwksUri(issuer, limits)).toBe(fallbackJwksUri(issuer));
  });

  it("does not fall back when the issuer cannot be reached: one failed request, not two", async () => {
    const { issuer } = await createTenant();
    await setMode(issuer, { mode: "down" });
    const error = await discoverJwksUri(issuer, limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JwksFetchError);
    expect((error as JwksFetchError).reason).toBe("network");
    expect(await stats(issuer)).toMatchObject({ metadataFetches: 1, jwksFetches: 0 });
  });

  it("does not fall back after the metadata request timed out, so a hanging issuer costs one timeout", async () => {
    const requested: string[] = [];
    const hanging = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      requested.push(String(input));
      return new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    };
    const error = await discoverJwksUri("https://auth.example.com", { ...limits, fetch: hanging, timeoutMs: 50 }).catch((e: unknown) => e);
    expect((error as JwksFetchError).reason).toBe("timeout");
    expect(requested).toEqual(["https://auth.example.com/.well-known/oauth-authorization-server"]);
  });

  it("refuses metadata whose issuer differs from the configured one (§3.3)", async () => {
    const { issuer } = await createTenant();
    // Same metadata URL (the trailing slash is dropped), but "iss" no longer matches.
    const error = await discoverJwksUri(`${issuer}/`, limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JwksFetchError);
    expect((error as JwksFetchError).reason).toBe("invalid_metadata");
  });
});

describe("authenticate discovers keys", () => {
  it("verifies a token with keys found through the metadata", async () => {
    const { issuer } = await createTenant();
    expect(await outcomeCode(configFor(issuer), await mint(issuer), { cache: null })).toBe("ok");
    expect(await stats(issuer)).toEqual({ jwksFetches: 1, metadataFetches: 1 });
  });

  it("verifies a token with keys from the fallback location when metadata is missing", async () => {
    const { issuer } = await createTenant();
    await setMode(issuer, { serveMetadata: false });
    expect(await outcomeCode(configFor(issuer), await mint(issuer), { cache: null })).toBe("ok");
    expect(await stats(issuer)).toEqual({ jwksFetches: 1, metadataFetches: 0 });
  });

  it("fails closed with 503 when the metadata names another issuer", async () => {
    const { issuer } = await createTenant();
    const token = await mint(issuer, { claims: { iss: `${issuer}/` } });
    expect(await outcomeCode(configFor(`${issuer}/`), token, { cache: null })).toBe("ERR_JWKS_UNAVAILABLE");
    expect((await stats(issuer)).jwksFetches).toBe(0);
  });
});
