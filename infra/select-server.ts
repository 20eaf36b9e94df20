/**
 * Picking one server of a stack by name, for the tools that work on a single
 * server (`npm start -- --stack`, `npm run wrangler-config`).
 */
import type { FleetConfig, ServerConfig } from "./config.ts";

export class ServerSelectionError extends Error {
  readonly code = "ERR_SERVER_SELECTION";
  constructor(message: string) {
    super(message);
    this.name = "ServerSelectionError";
  }
}

/** The server named `name`, or the only one when `name` is omitted. Errors list the choices. */
export function selectServer(fleet: Pick<FleetConfig, "stack" | "servers">, name: string | undefined): ServerConfig {
  const names = fleet.servers.map((s) => s.name).join(", ");
  if (name === undefined) {
    const [only, ...others] = fleet.servers;
    if (only && others.length === 0) return only;
    throw new ServerSelectionError(`stack ${fleet.stack} has ${fleet.servers.length} servers; pick one with --server <name> (${names})`);
  }
  const found = fleet.servers.find((s) => s.name === name);
  if (!found) throw new ServerSelectionError(`stack ${fleet.stack} has no server "${name}"; its servers are: ${names}`);
  return found;
}
