import { afterEach, describe, expect, it, vi } from "vitest";
import { MCP_URL, mcpRequest, rpc, sendWithEnv } from "../mcp/support.ts";
import { TEST_AUDIENCE } from "../../support/worker-pool-options.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

async function expectMisconfigured(overrides: Record<string, unknown>, variable: string, url = MCP_URL): Promise<void> {
  const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
  const request = url === MCP_URL ? mcpRequest(rpc("ping")) : new Request(url);
  const response = await sendWithEnv(request, overrides);
  expect(response.status).toBe(503);
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body.error).toBe("server_misconfigured");
  expect(body.error_description).toContain(variable);
  expect(logged.mock.calls.flat().join(" ")).toContain(variable);
}

describe("configuration errors", () => {
  it("answers 503 naming AUTHGENT_ISSUER when it is missing, and logs it", async () => {
    await expectMisconfigured({ AUTHGENT_ISSUER: undefined }, "AUTHGENT_ISSUER");
  });

  it("answers 503 naming MCP_AUDIENCE when it is missing or not an https URL", async () => {
    await expectMisconfigured({ MCP_AUDIENCE: "" }, "MCP_AUDIENCE");
    await expectMisconfigured({ MCP_AUDIENCE: "http://mcp.example.com" }, "MCP_AUDIENCE");
  });

  it("answers 503 naming a malformed optional var", async () => {
    await expectMisconfigured({ RATE_LIMIT_PER_MINUTE: "lots" }, "RATE_LIMIT_PER_MINUTE");
    await expectMisconfigured({ ALLOWED_ORIGINS: "not a url" }, "ALLOWED_ORIGINS");
  });

  it("answers 503 on the metadata path too, never crashing", async () => {
    await expectMisconfigured({ AUTHGENT_ISSUER: "nope" }, "AUTHGENT_ISSUER", `${TEST_AUDIENCE}/.well-known/oauth-protected-resource`);
  });
});
