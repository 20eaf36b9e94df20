import { describe, expect, it } from "vitest";
import { audienceMismatchReason } from "../../../worker/auth/audience-mismatch.ts";

const expected = { issuer: "https://auth.example.com", audience: "https://mcp.example.com/mcp" };

describe("audienceMismatchReason (logged, never sent)", () => {
  it("says the token was requested without resource when aud is the issuer's own URL", () => {
    const reason = audienceMismatchReason("https://auth.example.com", expected);
    expect(reason).toContain("aud is the issuer's own URL");
    expect(reason).toContain("without resource=https://mcp.example.com/mcp");
    expect(audienceMismatchReason(["https://auth.example.com"], expected)).toContain("issuer's own URL");
  });

  it("names another resource's aud and this resource", () => {
    expect(audienceMismatchReason(["https://other.example.com/mcp"], expected)).toBe(
      'aud ["https://other.example.com/mcp"] does not list this resource ("https://mcp.example.com/mcp")',
    );
  });

  it("clips a huge aud", () => {
    expect(audienceMismatchReason("x".repeat(5000), expected).length).toBeLessThan(320);
  });
});
