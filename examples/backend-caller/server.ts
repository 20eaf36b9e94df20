/**
 * Example server: tools that call the team's backend through a service
 * binding with a secret token (`./manifest.ts`). Locally, `npm start --
 * --stack example --server backend-mcp --service
 * BACKEND=examples/backend-caller/demo-backend.ts` binds `BACKEND` to the
 * demo backend (docs/local-development.md).
 */
import { defineMcpServer } from "../../worker/kit/index.ts";
import { manifest } from "./manifest.ts";
import { BACKEND_TOOLS } from "./tools.ts";

const server = defineMcpServer({
  manifest,
  name: "backend-caller",
  version: "1.0.0",
  instructions: "The team's directory and tickets: lookup_person finds a colleague by id, open_ticket files a ticket.",
  tools: BACKEND_TOOLS,
});

export default server.worker;
export const { AuthgentMCPAgent } = server;
