import type { ResourceValidationPolicy } from "@pulumi/policy";
import { RESOURCE_TYPES, scriptBindings } from "../resources.ts";

/** Binding names that hold credentials by convention. */
export const SECRET_NAME = /(^|_)(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?)$|PASSWORD|PRIVATE_KEY|API_KEY/i;

/** Binding types whose value is readable in the dashboard and the state file. */
const PLAINTEXT_TYPES = new Set(["plain_text", "json"]);

/** Replaces the seed's `wrangler secret put`: secrets go through Pulumi secret config into `secret_text`. */
export const plaintextSecretsPolicy: ResourceValidationPolicy = {
  name: "no-plaintext-secret-bindings",
  description: "No plain_text/json binding has a secret-looking name (*_KEY, *_SECRET, *_TOKEN, PASSWORD, …).",
  severity: "critical",
  remediationSteps:
    "Move the value to secrets.<server>.<NAME> with `pulumi config set --secret --path 'secrets.<server>.<NAME>' <value>`; " +
    "it is then bound as secret_text. Rotate the value: it has been stored in plain text.",
  validateResource: (args, reportViolation) => {
    if (args.type !== RESOURCE_TYPES.workersScript) return;
    for (const binding of scriptBindings(args.props)) {
      if (PLAINTEXT_TYPES.has(binding.type) && SECRET_NAME.test(binding.name)) {
        // Never echo the value: the message lands in CI logs and PR comments.
        reportViolation(
          `Binding ${binding.name} is ${binding.type} but its name says it is a secret. Bind it as secret_text from Pulumi secret config ` +
            `(pulumi config set --secret --path 'secrets.<server>.${binding.name}' …) and rotate the exposed value.`,
        );
      }
    }
  },
};
