/**
 * The worker's main module: the default server (`tools/server.ts`) written
 * with the kit, which supplies the fetch handler and the Durable Object class
 * (`bindings.ts` MCP_AGENT.className) the runtime instantiates per user.
 */
import { defineMcpServer } from "./kit/define-server.ts";
import { DEFAULT_SERVER } from "./tools/server.ts";

const server = defineMcpServer(DEFAULT_SERVER);

export const { AuthgentMCPAgent } = server;
export default server.worker;
