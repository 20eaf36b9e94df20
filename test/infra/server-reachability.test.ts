/** How MCP clients reach a server: custom domain, workers.dev, or zone routes covering /mcp and its metadata. */
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config.ts";
import { expectIssue, withServer } from "./support/config-issues.ts";
import { input } from "./support/fixtures.ts";

describe("server reachability", () => {
  it("rejects a server nobody can reach", () => {
    expectIssue(
      withServer((s) => {
        delete s["customDomain"];
      }),
      "servers[0]",
      "is unreachable: set customDomain, add routes, or set workersDev: true",
    );
  });

  it("rejects an audience whose host this server does not serve", () => {
    expectIssue(withServer((s) => (s["customDomain"] = "other.example.com")), "servers[0].audience", "must be served by this server");
  });

  it("accepts an audience served by a route", () => {
    const values = withServer((s) => {
      delete s["customDomain"];
      s["routes"] = ["alpha.example.com/*"];
    });
    expect(parseStackConfig(input(values)).servers[0]?.routes).toEqual([{ pattern: "alpha.example.com/*", zoneId: "fedcba9876543210fedcba9876543210" }]);
  });

  it("rejects an audience path the worker does not serve MCP under", () => {
    expectIssue(
      withServer((s) => (s["audience"] = "https://alpha.example.com/docs")),
      "servers[0].audience",
      "must be the server's origin (https://alpha.example.com) or its MCP endpoint (https://alpha.example.com/mcp)",
    );
  });

  it("accepts the MCP endpoint itself as the audience", () => {
    expect(parseStackConfig(input(withServer((s) => (s["audience"] = "https://alpha.example.com/mcp")))).servers[0]?.audience).toBe("https://alpha.example.com/mcp");
  });

  it("rejects routes that send /mcp to the worker but not the metadata clients discover it by", () => {
    const values = withServer((s) => {
      delete s["customDomain"];
      s["audience"] = "https://www.example.com/mcp";
      s["routes"] = ["www.example.com/mcp*"];
    });
    expectIssue(
      values,
      "servers[0].routes",
      'must send https://www.example.com/.well-known/oauth-protected-resource/mcp to the worker (MCP clients discover the issuer there); add a route like "www.example.com/.well-known/oauth-protected-resource*"',
    );
  });

  it("rejects routes that serve the metadata but not the MCP endpoint", () => {
    const values = withServer((s) => {
      delete s["customDomain"];
      s["routes"] = ["alpha.example.com/.well-known/*"];
    });
    expectIssue(values, "servers[0].routes", 'must send https://alpha.example.com/mcp to the worker; add a route like "alpha.example.com/mcp*"');
  });

  it("accepts a worker mounted on a shared host by a route for /mcp and one for the metadata", () => {
    const values = withServer((s) => {
      delete s["customDomain"];
      s["audience"] = "https://www.example.com/mcp";
      s["routes"] = ["www.example.com/mcp*", "www.example.com/.well-known/oauth-protected-resource*"];
    });
    expect(parseStackConfig(input(values)).servers[0]?.routes.map((r) => r.pattern)).toEqual(["www.example.com/mcp*", "www.example.com/.well-known/oauth-protected-resource*"]);
  });
});
