import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isProductionStack, productionConfigSchema, type ProductionConfig } from "../production.ts";
import { RESOURCE_TYPES, stackOfUrn } from "../resources.ts";

/**
 * authgent-server's settings as the server receives them: on a Docker host
 * the plain `NAME=value` entries of `docker.Container.envs` (secret entries
 * are skipped, and never echoed); on Kubernetes the settings ConfigMap's
 * `data` (secret settings live in a Secret the policies never read).
 * `undefined` for anything that is not authgent-server's settings (no
 * AUTHGENT_SERVER_URL: Caddy, Postgres, other ConfigMaps).
 */
export function authgentSettings(props: Record<string, unknown>): Map<string, string> | undefined {
  const envs = Array.isArray(props.envs) ? props.envs : [];
  const settings = new Map<string, string>();
  for (const entry of envs) {
    if (typeof entry !== "string") continue;
    const at = entry.indexOf("=");
    if (at > 0) settings.set(entry.slice(0, at), entry.slice(at + 1));
  }
  const data = props.data;
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    for (const [name, value] of Object.entries(data)) if (typeof value === "string") settings.set(name, value);
  }
  return settings.has("AUTHGENT_SERVER_URL") ? settings : undefined;
}

/** The resources that carry authgent-server's settings: its Docker container, or its ConfigMap on Kubernetes. */
function carriesSettings(type: string): boolean {
  return type === RESOURCE_TYPES.dockerContainer || type === RESOURCE_TYPES.kubernetesConfigMap;
}

/**
 * With `auto_approve`, /authorize issues a code to any registered client
 * without showing anything (endpoints/authorize.py), so whoever can reach a
 * redirect gets tokens for your MCP servers. It is authgent-server's default
 * (config.py), hence an absent setting counts as auto_approve.
 */
export const consentPolicy: ResourceValidationPolicy = {
  name: "authgent-consent-not-auto-approve",
  description: "The production Authgent does not auto-approve authorization requests (AUTHGENT_CONSENT_MODE).",
  severity: "critical",
  configSchema: { properties: { ...productionConfigSchema } },
  remediationSteps: "Set authgent.consentMode to ui (a consent page) or headless in Pulumi.production.yaml.",
  validateResource: (args, reportViolation) => {
    if (!carriesSettings(args.type)) return;
    if (!isProductionStack(stackOfUrn(args.urn), args.getConfig<ProductionConfig>())) return;
    const mode = authgentSettings(args.props)?.get("AUTHGENT_CONSENT_MODE") ?? (authgentSettings(args.props) ? "auto_approve" : undefined);
    if (mode === "auto_approve") {
      reportViolation(
        "Authgent runs with AUTHGENT_CONSENT_MODE=auto_approve: every /authorize request from any registered client gets a code without a consent page. " +
          "Set authgent.consentMode: ui in Pulumi.production.yaml.",
      );
    }
  },
};

export interface RegistrationConfig extends ProductionConfig {
  /** Accept `open` dynamic registration in production (a reviewed decision). @default false */
  readonly allowOpenRegistration?: boolean;
}

/**
 * With `open` registration anyone can register a client (RFC 7591), and
 * authgent-server 0.3.4 authenticates nobody at /authorize (its consent page
 * is a click-through; endpoints/authorize.py gives every approval the same
 * `sub`), so anyone can obtain tokens for your MCP servers. MCP clients
 * that register themselves need it; `token` or `admin` close it.
 */
export const registrationPolicy: ResourceValidationPolicy = {
  name: "authgent-registration-not-open",
  description: "The production Authgent does not let anyone register a client (AUTHGENT_REGISTRATION_POLICY), unless allowed in the policy config.",
  severity: "high",
  configSchema: {
    properties: {
      ...productionConfigSchema,
      allowOpenRegistration: { type: "boolean", default: false, description: "Accept open dynamic client registration in production." },
    },
  },
  remediationSteps:
    "Set authgent.registration.policy to token (clients present authgent.registration.token) or admin in Pulumi.production.yaml; or, if your MCP servers " +
    'are meant for anyone, record that decision in infra/policy/config/production.json: {"authgent-registration-not-open": {"allowOpenRegistration": true}}.',
  validateResource: (args, reportViolation) => {
    if (!carriesSettings(args.type)) return;
    const config = args.getConfig<RegistrationConfig>();
    if (!isProductionStack(stackOfUrn(args.urn), config) || config.allowOpenRegistration === true) return;
    const settings = authgentSettings(args.props);
    if (settings === undefined) return;
    if ((settings.get("AUTHGENT_REGISTRATION_POLICY") ?? "open") === "open") {
      reportViolation(
        "Authgent runs with AUTHGENT_REGISTRATION_POLICY=open, and authgent-server authenticates no one at /authorize: anyone can register a client " +
          "and obtain tokens for your MCP servers. Set authgent.registration.policy: token (or admin), or allow it in the policy config (allowOpenRegistration).",
      );
    }
  },
};
