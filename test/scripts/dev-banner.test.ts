import { describe, expect, it } from "vitest";
import { formatDevBanner, MCP_URL_LABEL } from "../../scripts/lib/dev-banner.ts";

const base = {
  origin: "http://127.0.0.1:8787",
  issuer: "http://127.0.0.1:8788/t/dev",
  scope: "mcp:read mcp:write",
  stateDir: ".dev-state",
};

describe("npm start banner", () => {
  it("prints the MCP URL, the token as an export line, and an Inspector CLI command carrying the bearer header", () => {
    const text = formatDevBanner({ ...base, token: "tok.en.sig", tokenTtlSeconds: 8 * 3600 });
    expect(text).toContain(`${MCP_URL_LABEL}        http://127.0.0.1:8787/mcp`);
    expect(text).toContain("  export MCP_TOKEN=tok.en.sig");
    expect(text).toContain('valid 8 h');
    expect(text).toContain(
      'npx @modelcontextprotocol/inspector --cli http://127.0.0.1:8787/mcp --transport http --header "Authorization: Bearer $MCP_TOKEN" --method tools/list',
    );
    expect(text).toContain('-H "Authorization: Bearer $MCP_TOKEN"');
  });

  it("does not pass --header to the Inspector web UI, which ignores it, and says where the token goes instead", () => {
    const text = formatDevBanner({ ...base, token: "tok.en.sig", tokenTtlSeconds: 8 * 3600 });
    const ui = text.split("\n").filter((line) => line.includes("npx @modelcontextprotocol/inspector --transport http"));
    expect(ui).toEqual(["  npx @modelcontextprotocol/inspector --transport http --server-url http://127.0.0.1:8787/mcp"]);
    expect(text).toMatch(/Authentication[^]*Authorization[^]*Bearer/);
  });

  it("with the development authorization server, tells OAuth clients they need no token and the web UI to just connect", () => {
    const text = formatDevBanner({ ...base, token: "tok.en.sig", tokenTtlSeconds: 8 * 3600, oauth: true });
    expect(text).toContain("(development authorization server)");
    expect(text).toContain("need no\ntoken: give them http://127.0.0.1:8787/mcp");
    expect(text).toContain("For development only.");
    expect(text).toContain("then press Connect: it runs the OAuth flow");
    expect(text).not.toMatch(/Authentication in its sidebar/);
    // The printed token is still there for curl.
    expect(text).toContain("  export MCP_TOKEN=tok.en.sig");
  });

  it("with a real issuer, prints no token and says how to get one and where the issuer's metadata is", () => {
    const text = formatDevBanner({ ...base, issuer: "https://auth.example.com" });
    expect(text).not.toContain("export MCP_TOKEN");
    expect(text).toContain("https://auth.example.com/.well-known/oauth-authorization-server");
    expect(text).toContain('scope "mcp:read mcp:write"');
    expect(text).toContain("npx @modelcontextprotocol/inspector --transport http --server-url http://127.0.0.1:8787/mcp\n");
    expect(text).not.toContain("--header");
  });
});
