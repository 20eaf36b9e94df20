import { describe, expect, it } from "vitest";
import { issuerUrls } from "../../../infra/authgent/urls.ts";

describe("issuerUrls", () => {
  it("derives the seed's JWKS URL and the RFC 8414 metadata URL of a host-only issuer", () => {
    expect(issuerUrls("https://auth.yourcompany.com")).toEqual({
      issuerUrl: "https://auth.yourcompany.com",
      jwksUrl: "https://auth.yourcompany.com/.well-known/jwks.json",
      metadataUrl: "https://auth.yourcompany.com/.well-known/oauth-authorization-server",
    });
  });

  it("inserts the well-known segment before the issuer's path (RFC 8414 §3.1)", () => {
    expect(issuerUrls("https://auth.yourcompany.com/t/acme").metadataUrl).toBe("https://auth.yourcompany.com/.well-known/oauth-authorization-server/t/acme");
  });
});
