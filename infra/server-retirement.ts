/**
 * Retiring a server on purpose (`retiredServers`). Every Worker script that
 * binds a Durable Object class is created with Pulumi's `protect`, so the
 * engine refuses to delete it — removing the server from `servers:`, a
 * replace, `pulumi destroy` — and names the resource instead
 * (pulumi.com/docs/iac/concepts/resources/options/protect). Listing a server
 * here, with `deleteData: true`, is the one way the program drops that flag:
 * the next `pulumi up` records the script as unprotected, and the run after
 * the server leaves `servers:` deletes it with its data.
 */
import { z } from "zod";
import type { ConfigIssue, ServerConfig } from "./config.ts";
import { MCP_FLEET_TYPE, MCP_WORKER_TYPE, WORKERS_SCRIPT_TYPE } from "./components/type-tokens.ts";

/** Worker script names: the same rule as `servers[i].name`. */
const SERVER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const retiredServerSchema = z.strictObject(
  {
    /** `servers[i].name` of the server whose Worker script and Durable Object data may be deleted. */
    name: z.string({ error: "is required (the server's name in servers:)" }).regex(SERVER_NAME, { error: "must be a server name from servers:" }),
    /** Must be `true`: the acknowledgement that the server's Durable Object data goes with its script. */
    deleteData: z.literal(true, {
      error: "must be true: it acknowledges that deleting the server's Worker script deletes its Durable Object data (every user's); to keep the data, remove this entry",
    }),
  },
  { error: "must be { name, deleteData: true }" },
);

/** `retiredServers:` — servers whose Worker script is no longer protected. @default [] */
export const retiredServersSchema = z.array(retiredServerSchema, { error: "must be a list of { name, deleteData: true }" });

export type RawRetiredServer = z.infer<typeof retiredServerSchema>;

/**
 * The URN the engine gives a server's Worker script (`pkg/resource/urn.go`:
 * `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`),
 * for the `pulumi state unprotect` a message suggests.
 */
export function scriptUrn(stack: string, project: string, serverName: string): string {
  return `urn:pulumi:${stack}::${project}::${MCP_FLEET_TYPE}$${MCP_WORKER_TYPE}$${WORKERS_SCRIPT_TYPE}::${serverName}-script`;
}

/** Each entry must name a server still in `servers:`, once, by its current name. */
export function retirementIssues(retired: readonly RawRetiredServer[], servers: readonly ServerConfig[], stack: string, project: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const first = new Map<string, number>();
  retired.forEach((entry, index) => {
    const path = `retiredServers[${index}].name`;
    const earlier = first.get(entry.name);
    if (earlier !== undefined) {
      issues.push({ path, message: `repeats retiredServers[${earlier}]: list each server once` });
      return;
    }
    first.set(entry.name, index);
    if (servers.some((server) => server.name === entry.name)) return;
    const renamed = servers.findIndex((server) => server.previousNames.includes(entry.name));
    if (renamed >= 0) {
      issues.push({ path, message: `"${entry.name}" is an earlier name of servers[${renamed}]: use its current name "${servers[renamed]?.name ?? ""}"` });
      return;
    }
    issues.push({
      path,
      message:
        `"${entry.name}" is not in servers:. Retire a server while it is still listed there: this \`pulumi up\` unprotects its Worker script, ` +
        "then remove it from servers: and from retiredServers and run `pulumi up` again. If it is already gone from servers:, remove this entry and run " +
        `\`pulumi state unprotect '${scriptUrn(stack, project, entry.name)}'\` before \`pulumi up\` (that deletes its Durable Object data)`,
    });
  });
  return issues;
}
