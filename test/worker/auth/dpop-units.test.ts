/** The pure parts of DPoP verification: htu normalization and the proof key cache. */
import { calculateJwkThumbprint } from "jose";
import { describe, expect, it } from "vitest";
import { normalizeHtu } from "../../../worker/auth/dpop/htu.ts";
import { ProofKeyCache } from "../../../worker/auth/dpop/proof-keys.ts";
import { verifyDpopProof } from "../../../worker/auth/dpop/verify-proof.ts";
import type { JWK } from "jose";
import { dpopKey, dpopProof } from "./dpop-client.ts";

describe("normalizeHtu (RFC 9449 §4.3, RFC 3986 §6.2.2/§6.2.3)", () => {
  it("drops query and fragment and normalises case, default port, dot segments, empty path and unreserved escapes", () => {
    const canonical = "https://mcp.example.com/mcp";
    for (const htu of [
      "https://mcp.example.com/mcp?a=1",
      "https://mcp.example.com/mcp#x",
      "HTTPS://MCP.Example.COM/mcp",
      "https://mcp.example.com:443/mcp",
      "https://mcp.example.com/a/../mcp",
      "https://mcp.example.com/%6d%63%70",
    ]) {
      expect(normalizeHtu(htu)).toBe(canonical);
    }
    expect(normalizeHtu("https://mcp.example.com")).toBe("https://mcp.example.com/");
    // Reserved characters stay escaped, with upper-case hex.
    expect(normalizeHtu("https://mcp.example.com/a%2fb")).toBe("https://mcp.example.com/a%2Fb");
  });

  it("keeps what distinguishes URLs: scheme, host, port, path case", () => {
    const base = normalizeHtu("https://mcp.example.com/mcp");
    for (const other of ["http://mcp.example.com/mcp", "https://mcp.example.org/mcp", "https://mcp.example.com:8443/mcp", "https://mcp.example.com/MCP", "https://mcp.example.com/mcp/"]) {
      expect(normalizeHtu(other)).not.toBe(base);
    }
  });

  it("refuses what is not an absolute http(s) URI, and userinfo", () => {
    for (const htu of ["/mcp", "mcp.example.com/mcp", "ftp://mcp.example.com/mcp", "https://user@mcp.example.com/mcp", ""]) {
      expect(normalizeHtu(htu)).toBeUndefined();
    }
  });
});

describe("ProofKeyCache", () => {
  it("returns jose's RFC 7638 thumbprint and reuses the import for the same public key, whatever its optional members", async () => {
    const { publicJwk } = await dpopKey();
    const cache = new ProofKeyCache();
    const first = await cache.get(publicJwk, "ES256");
    expect(first.jkt).toBe(await calculateJwkThumbprint(publicJwk));
    expect(await cache.get({ ...publicJwk, use: "sig", kid: "whatever" }, "ES256")).toBe(first);
    const other = await cache.get((await dpopKey()).publicJwk, "ES256");
    expect(other.jkt).not.toBe(first.jkt);
  });

  it("keeps at most maxEntries keys, oldest out first", async () => {
    const cache = new ProofKeyCache(1);
    const a = (await dpopKey()).publicJwk;
    const first = await cache.get(a, "ES256");
    await cache.get((await dpopKey()).publicJwk, "ES256");
    expect(await cache.get(a, "ES256")).not.toBe(first);
  });
});

describe("verifyDpopProof with a remembered proof header", () => {
  const target = { method: "POST", url: "https://mcp.example.com/mcp", token: "a.b.c" };
  const request = { method: target.method, url: target.url, accessToken: target.token };
  const options = { algorithms: ["ES256"], maxAgeSeconds: 60, clockToleranceSeconds: 5 };

  /** Counts key lookups: each one means the header was parsed and checked again. */
  class CountingCache extends ProofKeyCache {
    lookups = 0;
    override async get(jwk: JWK, alg: string) {
      this.lookups++;
      return await super.get(jwk, alg);
    }
  }

  it("parses and checks a client's header once, and still verifies each proof's own signature and claims", async () => {
    const key = await dpopKey();
    const keys = new CountingCache();
    const now = Date.now() / 1000;
    const first = await verifyDpopProof(await dpopProof(key, target), request, options, now, keys);
    const second = await verifyDpopProof(await dpopProof(key, target), request, options, now, keys);
    expect(second.jkt).toBe(first.jkt);
    expect(keys.lookups).toBe(1);
    // Same header, signed by another key: the remembered key refuses the signature.
    const forged = await dpopProof(key, target, { signWith: (await dpopKey()).privateKey });
    await expect(verifyDpopProof(forged, request, options, now, keys)).rejects.toMatchObject({ check: "signature" });
    await expect(verifyDpopProof(await dpopProof(key, target, { claims: { htm: "GET" } }), request, options, now, keys)).rejects.toMatchObject({ check: "htm" });
  });

  it("refuses a remembered header's alg under a server whose allow-list lacks it", async () => {
    const key = await dpopKey();
    const keys = new ProofKeyCache();
    const now = Date.now() / 1000;
    await verifyDpopProof(await dpopProof(key, target), request, options, now, keys);
    await expect(verifyDpopProof(await dpopProof(key, target), request, { ...options, algorithms: ["EdDSA"] }, now, keys)).rejects.toMatchObject({ check: "alg" });
  });

  it("never remembers a refused header: a private jwk is refused every time", async () => {
    const key = await dpopKey();
    const keys = new CountingCache();
    const now = Date.now() / 1000;
    for (let i = 0; i < 2; i++) {
      const proof = await dpopProof(key, target, { header: { jwk: key.privateJwk } });
      await expect(verifyDpopProof(proof, request, options, now, keys)).rejects.toMatchObject({ check: "jwk" });
    }
    expect(keys.lookups).toBe(0);
  });
});
