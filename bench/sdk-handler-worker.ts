/**
 * Comparison worker for `npm run bench` (reference, never deployed): the
 * official server SDK 2.x (`@modelcontextprotocol/server` `createMcpHandler`,
 * a fresh `McpServer` per request as its docs prescribe, the Workers-safe
 * `CfWorkerJsonSchemaValidator`) as the protocol layer behind this project's
 * own authentication (the same `authenticate`, token cache and config as the
 * real worker). Only the protocol layer differs from scenario (a): the real
 * worker also runs CORS, the edge rate limiter and the session check, which
 * this one skips, so the comparison flatters the SDK.
 */
import { createMcpHandler, fromJsonSchema, McpServer } from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { authenticate } from "../worker/auth/authenticate.ts";
import { VerifiedTokenCache } from "../worker/auth/verified-token-cache.ts";
import { workerConfig } from "../worker/config.ts";
import type { Env } from "../worker/env.ts";
import { errorResponse } from "../worker/http/error-response.ts";

export { AuthgentMCPAgent } from "../worker/agent/authgent-mcp-agent.ts";

const verifiedTokens = new VerifiedTokenCache();
const validator = new CfWorkerJsonSchemaValidator();
const helloInput = fromJsonSchema<{ name: string }>(
  {
    type: "object",
    properties: { name: { type: "string", description: "Name to greet", minLength: 1, maxLength: 200 } },
    required: ["name"],
  },
  validator,
);

const handler = createMcpHandler(({ authInfo }) => {
  const server = new McpServer({ name: "authgent-edge-sdk-bench", version: "0.1.0" }, { jsonSchemaValidator: validator });
  server.registerTool(
    "hello",
    { description: "Say hello to someone.", inputSchema: helloInput, annotations: { readOnlyHint: true } },
    async ({ name }) => ({ content: [{ type: "text", text: `Hello, ${name}! (user: ${String(authInfo?.extra?.["sub"])})` }] }),
  );
  return server;
});

export default {
  async fetch(request, env, ctx) {
    let config = null;
    try {
      config = workerConfig(env);
      const principal = await authenticate(request, config, { verifiedTokens, waitUntil: (promise) => ctx.waitUntil(promise) });
      return await handler.fetch(request, {
        authInfo: { token: "", clientId: principal.clientId ?? "", scopes: principal.scope.split(" "), extra: { sub: principal.subject } },
      });
    } catch (error) {
      return errorResponse(error, config);
    }
  },
} satisfies ExportedHandler<Env>;
