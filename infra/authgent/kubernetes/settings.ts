/**
 * The Authgent container's environment on Kubernetes, from the one source
 * both targets use (`authgentEnvironment`): plain settings for a ConfigMap,
 * secret ones (secret key, database URL, registration token, `secretEnv`)
 * for a Secret whose every value stays a Pulumi secret. The Docker target
 * passes the same entries as `envs` (`envInputs`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { EnvEntry } from "../environment.ts";

export interface SplitSettings {
  /** ConfigMap `data`: name → value. */
  readonly plain: Readonly<Record<string, string>>;
  /** Secret `stringData`: name → Pulumi secret. */
  readonly secret: Readonly<Record<string, pulumi.Input<string>>>;
}

export function splitSettings(entries: readonly EnvEntry[]): SplitSettings {
  const plain: Record<string, string> = {};
  const secret: Record<string, pulumi.Input<string>> = {};
  for (const { name, value } of entries) {
    if (typeof value === "string") {
      plain[name] = value;
      continue;
    }
    // The provider SDK also wraps a Secret's whole stringData; each value is
    // secret here already so nothing depends on that. (An unset required
    // secret is named by the plan's warning instead of a visible placeholder.)
    secret[name] = pulumi.secret(value.reveal());
  }
  return { plain, secret };
}
