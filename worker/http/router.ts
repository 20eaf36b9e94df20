import { workerConfig, type WorkerConfig } from "../config.ts";
import type { Env } from "../env.ts";
import { MCP_PATH, handleMcp, type McpDeps } from "../mcp/handler.ts";
import { errorResponse } from "./error-response.ts";
import { checkOrigin, withCors } from "./cors.ts";
import { NotFoundError } from "./errors.ts";
import { isMetadataPath, metadataResponse } from "./protected-resource-metadata.ts";

/**
 * Routes one request. Every failure, including a broken configuration (503
 * naming the variable), leaves through `errorResponse`; nothing throws out
 * of here.
 */
export async function route(request: Request, env: Env, ctx: ExecutionContext | undefined, deps: McpDeps): Promise<Response> {
  const { pathname } = new URL(request.url);
  let config: WorkerConfig | null = null;
  let origin: string | null = null;
  try {
    config = workerConfig(env);
    if (pathname === MCP_PATH) {
      origin = checkOrigin(request, config);
      return withCors(await handleMcp(request, env, ctx, config, deps), origin);
    }
    if (isMetadataPath(pathname, config)) return metadataResponse(request, config, deps.server.scopes);
    throw new NotFoundError();
  } catch (error) {
    const response = errorResponse(error, config, deps.server.challengeScopes);
    // Browsers must be able to read 401/403/429 answers (WWW-Authenticate drives discovery).
    return pathname === MCP_PATH ? withCors(response, origin) : response;
  }
}
