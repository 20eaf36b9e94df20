/**
 * Renamed servers (`previousNames`): every earlier name stays reserved, so
 * two servers never claim one Worker script or one set of resource aliases.
 */
import type { ConfigIssue, ServerConfig } from "./config.ts";

export function renameIssues(servers: readonly ServerConfig[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const owner = new Map<string, number>();
  servers.forEach((server, index) => owner.set(server.name, index));
  servers.forEach((server, index) => {
    server.previousNames.forEach((previous, p) => {
      const path = `servers[${index}].previousNames[${p}]`;
      const other = owner.get(previous);
      if (other === index) {
        issues.push({ path, message: `repeats the server's own name "${previous}": list only names it had before` });
      } else if (other !== undefined) {
        issues.push({
          path,
          message: `"${previous}" is also claimed by servers[${other}]: a name belongs to one server (its Worker script and resources move with it); remove it from one of them`,
        });
      } else {
        owner.set(previous, index);
      }
    });
  });
  return issues;
}
