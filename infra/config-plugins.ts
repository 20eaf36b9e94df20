/**
 * Config extensions registered with the fleet's config parser.
 *
 * Issue 4 (Authgent on Docker) plugs in here: set `authgentConfigPlugin` to
 * the plugin exported by `./authgent/config.ts` (an `AuthgentConfigPlugin`:
 * its zod schema for the `authgent:` block, the public issuer it deploys and
 * its cross-checks). Until then a stack with an `authgent:` block is rejected
 * with a clear message rather than silently ignored.
 */
import { authgentPlugin } from "./authgent/plugin.ts";
import type { AuthgentConfig } from "./authgent/config.ts";
import type { AuthgentConfigPlugin } from "./config.ts";

export const authgentConfigPlugin: AuthgentConfigPlugin<AuthgentConfig> | undefined = authgentPlugin;
