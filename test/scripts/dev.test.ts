/**
 * `npm start` (scripts/dev.ts) as a user runs it: a child process that builds
 * the worker, serves it in workerd next to the local issuer and prints how to
 * connect; plus its failure modes (port taken, bad flags).
 */
import { createServer, type Server } from "node:net";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { assertPortFree } from "../../scripts/lib/local-worker.ts";
import { CLIENT_INFO, connectClient, freePort } from "../e2e/support/harness.ts";
import { devHarness, waitForOutput } from "./support/dev-process.ts";
import { authorizeInBrowser } from "./support/dev-browser.ts";
import { codeFlow, type AsMetadata } from "./support/dev-oauth-client.ts";
import { InMemoryOAuthProvider } from "../support/oauth/in-memory-provider.ts";

const dev = devHarness("authgent-dev-state-");
const { runDev, tempStateDir } = dev;

afterEach(() => dev.cleanup());

async function holdPort(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(port, "127.0.0.1", ready));
  dev.onCleanup(() => new Promise<void>((closed) => server.close(() => closed())));
  return server;
}

describe("npm start", () => {
  it("serves the worker, prints a working dev token and the Inspector command, and frees its port on Ctrl-C (SIGINT)", async () => {
    const port = await freePort();
    const run = runDev(["--port", String(port), "--issuer-port", "0", "--state-dir", await tempStateDir()]);

    const [, mcpUrl] = await waitForOutput(run, /MCP server:\s+(\S+)/);
    const [, token] = await waitForOutput(run, /export MCP_TOKEN=(\S+)/);
    const origin = `http://127.0.0.1:${port}`;
    expect(mcpUrl).toBe(`${origin}/mcp`);
    expect(run.stdout).toContain(`npx @modelcontextprotocol/inspector --cli ${origin}/mcp --transport http --header "Authorization: Bearer $MCP_TOKEN"`);

    const prm = await fetch(`${origin}/.well-known/oauth-protected-resource`);
    expect(prm.status).toBe(200);
    const metadata = (await prm.json()) as { resource: string; authorization_servers: string[] };
    expect(metadata.resource).toBe(origin);
    expect(run.stdout).toContain(`Issuer:            ${metadata.authorization_servers[0]}`);

    const { client } = await connectClient(new URL(mcpUrl ?? ""), token ?? "");
    try {
      const write = await client.callTool({ name: "write_data", arguments: { key: "smoke", value: "ok" } });
      expect(write.isError).toBeFalsy();
    } finally {
      await client.close();
    }

    run.child.kill("SIGINT");
    // 128 + SIGINT: Miniflare's exit hook stops workerd, then exits as the signal asks.
    expect(await run.exited).toEqual({ code: 130, signal: null });
    expect(run.stdout).toContain("stopping workerd");
    await expect(assertPortFree("127.0.0.1", port)).resolves.toBeUndefined();
  });

  it("lets the MCP SDK's OAuth client provider connect with no pasted token (discovery, registration, consent, PKCE), and the printed token still works for curl", async () => {
    const port = await freePort();
    const run = runDev(["--port", String(port), "--issuer-port", "0", "--state-dir", await tempStateDir()]);
    const [, mcpUrl] = await waitForOutput(run, /MCP server:\s+(\S+)/);
    const [, printed] = await waitForOutput(run, /export MCP_TOKEN=(\S+)/);
    expect(run.stdout).toContain("(development authorization server)");
    const url = new URL(mcpUrl ?? "");
    const redirectUrl = "http://127.0.0.1:1/callback";
    const provider = new InMemoryOAuthProvider(redirectUrl);

    // First contact: the worker's 401 sends the SDK through discovery and registration to the authorization URL.
    await expect(new Client(CLIENT_INFO).connect(new StreamableHTTPClientTransport(url, { authProvider: provider }))).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.clientInformation()?.client_id).toEqual(expect.any(String));
    const authorizationUrl = provider.lastAuthorizationUrl;
    expect(authorizationUrl.searchParams.get("resource")).toBe(`http://127.0.0.1:${port}`);
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");

    const { callback, consentPage } = await authorizeInBrowser(authorizationUrl, redirectUrl);
    expect(consentPage).toContain("For local development only");
    const finishing = new StreamableHTTPClientTransport(url, { authProvider: provider });
    await finishing.finishAuth(callback.searchParams.get("code") ?? "");
    const claims = decodeJwt(provider.tokens()?.access_token ?? "");
    expect(claims).toMatchObject({ aud: `http://127.0.0.1:${port}`, sub: "dev-user", client_id: provider.clientInformation()?.client_id });
    expect(provider.tokens()?.refresh_token).toEqual(expect.any(String));

    const client = new Client(CLIENT_INFO);
    await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("hello");
      expect((await client.callTool({ name: "hello", arguments: { name: "oauth" } })).isError).toBeFalsy();
    } finally {
      await client.close();
    }

    // The token npm start printed is for curl and keeps working alongside.
    const curl = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${printed}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(curl.status).toBe(200);

    // Only what was asked for: a read-only token meets the worker's step-up challenge, and asking for more works.
    const origin = `http://127.0.0.1:${port}`;
    const [issuer] = ((await (await fetch(`${origin}/.well-known/oauth-protected-resource`)).json()) as { authorization_servers: string[] }).authorization_servers;
    const issuerUrl = new URL(issuer ?? "");
    const metadata = (await (await fetch(`${issuerUrl.origin}/.well-known/oauth-authorization-server${issuerUrl.pathname}`)).json()) as AsMetadata;
    const write = (token: string) =>
      fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "write_data", arguments: { key: "k", value: "v" } } }),
      });
    const readOnly = await codeFlow(metadata, origin, "mcp:read");
    expect(readOnly.tokens.scope).toBe("mcp:read");
    const refused = await write(readOnly.tokens.access_token ?? "");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("www-authenticate")).toContain('error="insufficient_scope", scope="mcp:write"');
    const stepped = await codeFlow(metadata, origin, "mcp:read mcp:write");
    expect((await write(stepped.tokens.access_token ?? "")).status).toBe(200);
  });

  it("with --issuer trusts that issuer, mints no dev token and says how to get one", async () => {
    const port = await freePort();
    const issuer = "https://auth.example.com";
    const run = runDev(["--port", String(port), "--issuer", issuer, "--state-dir", await tempStateDir()]);
    await waitForOutput(run, /Press Ctrl-C to stop\./);
    expect(run.stdout).not.toContain("export MCP_TOKEN");
    expect(run.stdout).toContain(`${issuer}/.well-known/oauth-authorization-server`);
    const prm = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource`);
    expect(await prm.json()).toMatchObject({ authorization_servers: [issuer] });
  });

  it("exits non-zero with a clear message naming --port when the MCP port is taken", async () => {
    const port = await freePort();
    await holdPort(port);
    const run = runDev(["--port", String(port), "--issuer-port", "0", "--state-dir", await tempStateDir()]);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(run.stderr).toContain("--port");
    expect(run.stdout).not.toContain("MCP server:");
  });

  it("exits non-zero naming --issuer-port when the local issuer's port is taken", async () => {
    const [port, issuerPort] = [await freePort(), await freePort()];
    await holdPort(issuerPort);
    const run = runDev(["--port", String(port), "--issuer-port", String(issuerPort), "--state-dir", await tempStateDir()]);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr).toContain(`port ${issuerPort}`);
    expect(run.stderr).toContain("--issuer-port");
    await expect(assertPortFree("127.0.0.1", port)).resolves.toBeUndefined();
  });

  it("rejects a malformed --port or an unknown flag with usage and exit code 2", async () => {
    const badPort = runDev(["--port", "80a"]);
    expect((await badPort.exited).code).toBe(2);
    expect(badPort.stderr).toContain('--port must be an integer from 1 to 65535, got "80a"');
    expect(badPort.stderr).toContain("Usage: npm start");

    const unknown = runDev(["--prot", "8787"]);
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.stderr).toContain("--prot");
  });
});
