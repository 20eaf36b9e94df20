import type * as pulumi from "@pulumi/pulumi";
import type { FleetConfig } from "../config.ts";
import { AuthgentServer } from "./authgent-server.ts";
import { dockerExecCommand } from "./commands.ts";
import { isAuthgentConfig } from "./config.ts";
import { ROTATE_KEYS_COMMAND } from "./server-command.ts";

/** Logical name of the Authgent component (prefix of its children). */
export const AUTHGENT_COMPONENT_NAME = "authgent";

/** What the stack exports about the Authgent it deploys. */
export interface AuthgentOutputs {
  readonly issuerUrl: pulumi.Output<string>;
  readonly jwksUrl: pulumi.Output<string>;
  readonly metadataUrl: pulumi.Output<string>;
  /** `docker -H <host> exec <container> authgent-server rotate-keys`: the signing-key rotation, ready to run. */
  readonly rotateKeysCommand: pulumi.Output<string>;
}

/**
 * Deploys Authgent when the stack config has an `authgent:` block (the
 * fleet's `config.authgent`, produced by `authgentConfigSchema`); a stack
 * without one gets no Docker resources at all.
 */
export function deployAuthgent(fleet: FleetConfig, opts?: pulumi.ComponentResourceOptions): AuthgentOutputs | undefined {
  const block = fleet.authgent;
  if (block === undefined) return undefined;
  if (!isAuthgentConfig(block)) throw new Error("config.authgent was not produced by authgentConfigSchema (register the plugin in infra/config-plugins.ts)");
  const scopes = fleet.servers.flatMap((server) => server.scopes);
  const server = new AuthgentServer(AUTHGENT_COMPONENT_NAME, { config: block, scopes }, opts);
  return {
    issuerUrl: server.issuerUrl,
    jwksUrl: server.jwksUrl,
    metadataUrl: server.metadataUrl,
    rotateKeysCommand: server.containerName.apply((container) => dockerExecCommand(block.host, container, ROTATE_KEYS_COMMAND)),
  };
}
