/**
 * What a server module tells the tools that deploy and run it, read from the
 * module itself: `defineMcpServer` puts it on the Worker object under a
 * registry symbol, so the Node side (`infra/server-description.ts`) reads a
 * server's manifest and scopes by evaluating its bundle, without the author
 * exporting anything beyond the Worker. Runtime-agnostic.
 */
import type { ServerManifest } from "./manifest.ts";

/**
 * `Symbol.for` so the key is the same in every copy of the kit (the bundle
 * evaluated by Node has its own). A symbol, not a string: workerd looks only
 * at an exported handler's string-named members (`fetch`, `scheduled`, …).
 */
export const SERVER_DESCRIPTION: unique symbol = Symbol.for("authgent-edge.kit.server-description");

export interface ServerDescription {
  /** `serverInfo.name`. */
  readonly name: string;
  readonly version: string;
  /** The manifest as declared (`{}` for a server without one). */
  readonly manifest: ServerManifest;
  /**
   * Every scope a tool, resource or prompt requires, sorted: what the worker
   * serves as RFC 9728 `scopes_supported`, derived from the code.
   */
  readonly scopes: readonly string[];
}

/** The description a Worker object carries, if it was made by `defineMcpServer`. */
export function serverDescriptionOf(worker: unknown): ServerDescription | undefined {
  if (typeof worker !== "object" || worker === null) return undefined;
  const description = (worker as { [SERVER_DESCRIPTION]?: unknown })[SERVER_DESCRIPTION];
  return typeof description === "object" && description !== null ? (description as ServerDescription) : undefined;
}
