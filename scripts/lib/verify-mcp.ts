/**
 * With a token: the real MCP handshake through the official SDK client, the
 * same code path Claude, Cursor and the Inspector use.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { DEFAULT_TIMEOUT_MS, type HttpOptions } from "./verify-http.ts";
import { fail, pass, skip, type CheckResult } from "./verify-report.ts";
import type { VerifyTarget } from "./verify-target.ts";

export async function checkMcpSession(target: VerifyTarget, token: string | undefined, http: HttpOptions): Promise<CheckResult[]> {
  const init = { id: "mcp-initialize", title: "MCP initialize with the token" };
  const list = { id: "mcp-tools-list", title: "MCP tools/list with the token" };
  if (!token) {
    const why = "no --token (or MCP_VERIFY_TOKEN) given";
    return [skip(init.id, init.title, why), skip(list.id, list.title, why)];
  }
  const transport = new StreamableHTTPClientTransport(target.mcpUrl, {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: (url, requestInit) => http.fetch(url, requestInit),
  });
  const client = new Client({ name: "authgent-edge-verify", version: "1.0.0" });
  const timeout = http.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const results: CheckResult[] = [];
  try {
    try {
      await client.connect(transport, { timeout });
    } catch (err) {
      return [fail(init.id, init.title, describe(err, token)), skip(list.id, list.title, "initialize failed")];
    }
    const server = client.getServerVersion();
    results.push(pass(init.id, init.title, `${server?.name ?? "?"} ${server?.version ?? ""}, protocol ${transport.protocolVersion ?? "?"}`.replace(/\s+,/, ",")));
    try {
      const { tools } = await client.listTools(undefined, { timeout });
      results.push(
        tools.length > 0
          ? pass(list.id, list.title, `${tools.length} tool(s): ${tools.map((t) => t.name).join(", ")}`)
          : fail(list.id, list.title, "the server lists no tools"),
      );
    } catch (err) {
      results.push(fail(list.id, list.title, describe(err, token)));
    }
    return results;
  } finally {
    // Best effort: ending the session must not turn a passing run into a failure.
    await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

/** The SDK's messages can quote response text; the token itself must never be printed. */
function describe(err: unknown, token: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split(token).join("[token]").slice(0, 300);
}
