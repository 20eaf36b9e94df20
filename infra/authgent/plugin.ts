import type { AuthgentConfigPlugin } from "../config.ts";
import { authgentConfigSchema, type AuthgentConfig } from "./config.ts";
import { authgentStackIssues, authgentStackWarnings } from "./stack-rules.ts";

/** The `authgent:` block's hook into the stack config parser (`infra/config-plugins.ts`). */
export const authgentPlugin: AuthgentConfigPlugin<AuthgentConfig> = {
  schema: authgentConfigSchema,
  issuerOf: (config) => config.issuer,
  check: (config, servers, stack) => authgentStackIssues(config, servers, stack),
  warnings: (config, stack) => authgentStackWarnings(config, stack),
};
