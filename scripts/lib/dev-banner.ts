/**
 * What `npm start` prints once the worker is up: where to connect and how.
 * Pure (no I/O) so the wording can be tested without starting anything.
 */

export interface DevBannerInput {
  /** `http://127.0.0.1:<port>` the worker listens on (also its `MCP_AUDIENCE`). */
  readonly origin: string;
  /** The `AUTHGENT_ISSUER` the worker trusts. */
  readonly issuer: string;
  /** A ready-to-use access token, or absent when `--issuer` points at a real Authgent. */
  readonly token?: string;
  /** Lifetime of `token`, seconds. */
  readonly tokenTtlSeconds?: number;
  /** Scope string of `token` (or the scopes to request from a real Authgent). */
  readonly scope: string;
  /** Where the server's local data (Durable Objects, D1, KV, R2, its secrets file) persists, relative to the repo. */
  readonly stateDir: string;
  /** Whether `issuer` is the development OAuth authorization server (clients can run the flow). @default false */
  readonly oauth?: boolean;
  /** Said after the issuer URL, e.g. which server it is. @default none */
  readonly issuerNote?: string;
  /** Lines that tell how to get a token into `$MCP_TOKEN`, instead of the generic advice. @default none */
  readonly tokenHowTo?: readonly string[];
}

/** The line tests and scripts wait for; keep its shape stable. */
export const MCP_URL_LABEL = "MCP server:";

export function formatDevBanner(input: DevBannerInput): string {
  const mcpUrl = `${input.origin}/mcp`;
  const lines = [
    "",
    `${MCP_URL_LABEL}        ${mcpUrl}`,
    `Protected resource: ${input.origin}/.well-known/oauth-protected-resource`,
    `Issuer:            ${input.issuer}${
      input.issuerNote ? `  (${input.issuerNote})` : input.oauth ? "  (development authorization server)" : input.token ? "  (local development issuer)" : ""
    }`,
    `Local data:        ${input.stateDir}/  (Durable Objects, D1, KV, R2, secrets.env; delete it to start empty)`,
    "",
  ];
  if (input.oauth) {
    lines.push(
      "OAuth clients (the Inspector's web UI, desktop assistants, the MCP SDK's OAuth provider) need no",
      `token: give them ${mcpUrl}. The development authorization server registers them (RFC 7591),`,
      "approves automatically as dev-user and grants only the scopes they ask for. For development only.",
      "",
    );
  }
  const tokenRef = input.token || input.tokenHowTo ? "$MCP_TOKEN" : "<access token>";
  if (input.tokenHowTo) {
    lines.push(...input.tokenHowTo);
  } else if (input.token) {
    const hours = ((input.tokenTtlSeconds ?? 0) / 3600).toFixed(0);
    lines.push(
      `Dev token (scope "${input.scope}", valid ${hours} h, signed by the local issuer; it stops working when npm start exits):`,
      "",
      `  export MCP_TOKEN=${input.token}`,
      "",
      "Run that export in the terminal you use for the commands below.",
      "",
    );
  } else {
    lines.push(
      `No dev token: the worker trusts ${input.issuer}. Get an access token from it for`,
      `resource ${input.origin} with scope "${input.scope}" (its endpoints are listed at`,
      `${input.issuer.replace(/\/$/, "")}/.well-known/oauth-authorization-server), or let MCP Inspector run`,
      "the OAuth flow itself: it discovers the issuer from the 401 this server answers.",
      "",
    );
  }
  lines.push(
    "Try it with curl:",
    "",
    `  curl -s ${mcpUrl} \\`,
    `    -H "Authorization: Bearer ${tokenRef}" \\`,
    '    -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \\',
    `    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"0"}}}'`,
    "",
    "MCP Inspector (needs Node >= 22):",
    "",
    `  npx @modelcontextprotocol/inspector --cli ${mcpUrl} --transport http${
      tokenRef === "$MCP_TOKEN" ? ` --header "Authorization: Bearer ${tokenRef}"` : ""
    } --method tools/list`,
    "",
    "  or the web UI:",
    "",
    `  npx @modelcontextprotocol/inspector --transport http --server-url ${mcpUrl}`,
    "",
    // The Inspector's web launcher forwards --transport and --server-url but
    // drops --header, so the token has to be entered in the UI.
    ...(input.oauth
      ? ["  then press Connect: it runs the OAuth flow against the development authorization server.", ""]
      : tokenRef === "$MCP_TOKEN"
        ? ["  then, under Authentication in its sidebar, add the header Authorization with", `  the value "Bearer <the ${input.token ? "dev token" : "token"} above>" and press Connect.`, ""]
        : []),
    "Press Ctrl-C to stop.",
  );
  return lines.join("\n");
}
