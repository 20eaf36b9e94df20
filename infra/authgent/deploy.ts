import type * as pulumi from "@pulumi/pulumi";
import { AuthgentServer } from "./authgent-server.ts";
import { isAuthgentConfig } from "./config.ts";

/** Logical name of the Authgent component (prefix of its children). */
export const AUTHGENT_COMPONENT_NAME = "authgent";

/** What the stack exports about the Authgent it deploys. */
export interface AuthgentOutputs {
  readonly issuerUrl: pulumi.Output<string>;
  readonly jwksUrl: pulumi.Output<string>;
  readonly metadataUrl: pulumi.Output<string>;
}

/**
 * Deploys Authgent when the stack config has an `authgent:` block (the
 * fleet's `config.authgent`, produced by `authgentConfigSchema`); a stack
 * without one gets no Docker resources at all.
 */
export function deployAuthgent(block: unknown, opts?: pulumi.ComponentResourceOptions): AuthgentOutputs | undefined {
  if (block === undefined) return undefined;
  if (!isAuthgentConfig(block)) throw new Error("config.authgent was not produced by authgentConfigSchema (register the plugin in infra/config-plugins.ts)");
  const server = new AuthgentServer(AUTHGENT_COMPONENT_NAME, { config: block }, opts);
  return { issuerUrl: server.issuerUrl, jwksUrl: server.jwksUrl, metadataUrl: server.metadataUrl };
}
