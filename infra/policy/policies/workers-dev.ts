import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isProductionStack, productionConfigSchema, type ProductionConfig } from "../production.ts";
import { RESOURCE_TYPES, stackOfUrn } from "../resources.ts";

export interface WorkersDevConfig extends ProductionConfig {
  /** Script names allowed on workers.dev in production (an explicit, reviewed opt-in). @default [] */
  readonly allowWorkersDev?: readonly string[];
}

/**
 * In production the MCP server is reached at its custom domain only: a second
 * public hostname (`*.workers.dev`) does not match the audience, confuses
 * clients, and bypasses zone-level WAF and rate limiting.
 */
export const workersDevPolicy: ResourceValidationPolicy = {
  name: "workers-dev-off-in-production",
  description: "workers.dev (and preview URLs) are disabled for production workers unless explicitly allowed.",
  severity: "high",
  configSchema: {
    properties: {
      ...productionConfigSchema,
      allowWorkersDev: { type: "array", items: { type: "string" }, default: [], description: "Script names allowed on workers.dev in production." },
    },
  },
  remediationSteps:
    "Set workersDev: false on the server in Pulumi.production.yaml, or, if you really need the workers.dev URL, add the script name to " +
    'allowWorkersDev in infra/policy/config/production.json ({"workers-dev-off-in-production": {"allowWorkersDev": ["<script>"]}}).',
  validateResource: (args, reportViolation) => {
    if (args.type !== RESOURCE_TYPES.workersScriptSubdomain) return;
    const config = args.getConfig<WorkersDevConfig>();
    if (!isProductionStack(stackOfUrn(args.urn), config)) return;
    const script = String(args.props.scriptName);
    if (args.props.enabled === true && !(config.allowWorkersDev ?? []).includes(script)) {
      reportViolation(
        `${script} is published on workers.dev in production. Set workersDev: false for it, or allow it in the policy config (allowWorkersDev).`,
      );
    }
    if (args.props.previewsEnabled === true) {
      reportViolation(`${script} has preview URLs enabled in production: every uploaded version would be publicly reachable. Set previewsEnabled: false.`);
    }
  },
};
