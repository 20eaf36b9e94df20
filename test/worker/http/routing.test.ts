import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MCP_URL } from "../mcp/support.ts";
import { TEST_AUDIENCE } from "../../support/worker-pool-options.ts";

describe("routing", () => {
  it("answers unknown paths with a JSON 404", async () => {
    for (const path of ["/", "/mcp/", "/session/create", "/.well-known/oauth-protected-resource/other"]) {
      const response = await SELF.fetch(`${TEST_AUDIENCE}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: "not_found" });
    }
  });

  it("answers GET /mcp with 405 and Allow (no server-sent event stream is offered)", async () => {
    const response = await SELF.fetch(MCP_URL, { headers: { accept: "text/event-stream" } });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST, DELETE, OPTIONS");
  });

  it("answers other methods on /mcp with 405", async () => {
    for (const method of ["PUT", "PATCH"]) {
      const response = await SELF.fetch(MCP_URL, { method });
      expect(response.status, method).toBe(405);
    }
  });
});
