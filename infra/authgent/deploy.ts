import type * as pulumi from "@pulumi/pulumi";
import type { FleetConfig } from "../config.ts";
import { AuthgentServer } from "./authgent-server.ts";
import { dockerExecCommand, kubectlExecCommand } from "./commands.ts";
import { isAuthgentConfig } from "./config.ts";
import { AuthgentCluster } from "./kubernetes/authgent-cluster.ts";
import { ROTATE_KEYS_COMMAND } from "./server-command.ts";

/** Logical name of the Authgent component (prefix of its children). */
export const AUTHGENT_COMPONENT_NAME = "authgent";

/** What the stack exports about the Authgent it deploys. */
export interface AuthgentOutputs {
  readonly issuerUrl: pulumi.Output<string>;
  readonly jwksUrl: pulumi.Output<string>;
  readonly metadataUrl: pulumi.Output<string>;
  /**
   * The signing-key rotation, ready to run, once: `docker -H <host> exec <container> authgent-server rotate-keys`,
   * or `kubectl … exec deployment/<name> -- authgent-server rotate-keys` (one pod; the keys live in the shared database).
   */
  readonly rotateKeysCommand: pulumi.Output<string>;
}

/**
 * Deploys Authgent when the stack config has an `authgent:` block (the
 * fleet's `config.authgent`, produced by `authgentConfigSchema`): on its
 * Docker host, or on its cluster with `authgent.kubernetes`. A stack without
 * one gets no Authgent resources at all.
 */
export function deployAuthgent(fleet: FleetConfig, opts?: pulumi.ComponentResourceOptions): AuthgentOutputs | undefined {
  const block = fleet.authgent;
  if (block === undefined) return undefined;
  if (!isAuthgentConfig(block)) throw new Error("config.authgent was not produced by authgentConfigSchema (register the plugin in infra/config-plugins.ts)");
  const scopes = fleet.servers.flatMap((server) => server.scopes);
  const target = block.kubernetes;
  if (target !== undefined) {
    const cluster = new AuthgentCluster(AUTHGENT_COMPONENT_NAME, { config: block, scopes }, opts);
    return {
      issuerUrl: cluster.issuerUrl,
      jwksUrl: cluster.jwksUrl,
      metadataUrl: cluster.metadataUrl,
      rotateKeysCommand: cluster.deploymentName.apply((deployment) => kubectlExecCommand(target.context, target.namespace, deployment, ROTATE_KEYS_COMMAND)),
    };
  }
  const host = block.host;
  if (host === undefined) throw new Error("authgent.host is not set (the stack config validation requires host or kubernetes)");
  const server = new AuthgentServer(AUTHGENT_COMPONENT_NAME, { config: block, scopes }, opts);
  return {
    issuerUrl: server.issuerUrl,
    jwksUrl: server.jwksUrl,
    metadataUrl: server.metadataUrl,
    rotateKeysCommand: server.containerName.apply((container) => dockerExecCommand(host, container, ROTATE_KEYS_COMMAND)),
  };
}
