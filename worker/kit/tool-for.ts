import type { ServerManifest } from "./manifest.ts";
import type { EnvOf } from "./manifest-env.ts";
import { tool } from "./tool.ts";
import type { ToolDefinition } from "./types.ts";

/**
 * `tool` bound to a manifest: the handler's `env` is `EnvOf<typeof manifest>`,
 * the kit's bindings plus exactly the declared ones, so reading a binding
 * the manifest does not declare is a type error.
 *
 * @example
 * const notesTool = toolFor(manifest);
 * const count = notesTool({ ..., handler: async (_args, { env }) => env.NOTES_DB.prepare("…") });
 */
export function toolFor<M extends ServerManifest>(_manifest: M): <const S, O = unknown>(definition: ToolDefinition<S, O, EnvOf<M>>) => ToolDefinition<unknown, unknown, EnvOf<M>> {
  return (definition) => tool(definition);
}
