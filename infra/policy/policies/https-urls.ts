import type { ResourceValidationPolicy } from "@pulumi/policy";
import { WORKER_VARS } from "../../../worker/bindings.ts";
import { plainTextVar, RESOURCE_TYPES } from "../resources.ts";

const CHECKED = [WORKER_VARS.AUTHGENT_ISSUER.name, WORKER_VARS.MCP_AUDIENCE.name] as const;

/**
 * Seed checklist "TLS everywhere". RFC 8414 §2: the issuer is an https URL;
 * RFC 9728 §2 / RFC 8707 §2: the resource (audience) is an https URL clients
 * send tokens to.
 */
export const httpsUrlsPolicy: ResourceValidationPolicy = {
  name: "issuer-and-audience-https",
  description: "AUTHGENT_ISSUER and MCP_AUDIENCE of every MCP worker are https URLs.",
  severity: "critical",
  remediationSteps:
    "Set the server's issuer / audience (or defaults.issuer) in Pulumi.<stack>.yaml to an https:// URL. " +
    "For a self-hosted Authgent, enable the authgent.tls block so Caddy serves it over HTTPS.",
  validateResource: (args, reportViolation) => {
    if (args.type !== RESOURCE_TYPES.workersScript) return;
    for (const name of CHECKED) {
      const value = plainTextVar(args.props, name);
      if (value === undefined) {
        reportViolation(`${name} is not bound as plain_text on this worker; the worker answers 503 without it. Set it in the stack config.`);
      } else if (!isHttps(value)) {
        reportViolation(`${name} is "${value}", not an https URL. Tokens and metadata must travel over TLS: use https://.`);
      }
    }
  },
};

function isHttps(value: string): boolean {
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}
