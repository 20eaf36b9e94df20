import type { ResourceValidationPolicy } from "@pulumi/policy";
import { RESOURCE_TYPES } from "../resources.ts";

/** Without Workers Logs, a failing token check in production leaves no trace to debug. */
export const observabilityPolicy: ResourceValidationPolicy = {
  name: "observability-enabled",
  description: "Workers observability (logs) is enabled on every MCP worker.",
  severity: "medium",
  remediationSteps: "Keep observability: { enabled: true } on the WorkersScript (the McpWorker component sets it; check any transformScript).",
  validateResource: (args, reportViolation) => {
    if (args.type !== RESOURCE_TYPES.workersScript) return;
    const observability = args.props.observability as { enabled?: unknown; headSamplingRate?: unknown } | undefined;
    if (observability?.enabled !== true) {
      reportViolation("observability.enabled is not true: auth failures and errors would leave no logs. Set observability: { enabled: true }.");
    } else if (observability.headSamplingRate === 0) {
      reportViolation("observability.headSamplingRate is 0, which records nothing. Use a rate above 0 (1 = every request).");
    }
  },
};
