import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { WORKER_VARS } from "../../../worker/bindings.ts";
import { isProductionStack, productionConfigSchema, type ProductionConfig } from "../production.ts";
import { plainTextVar, RESOURCE_TYPES, stackOfUrn } from "../resources.ts";

/**
 * Seed checklist "Custom domain configured". In production every MCP worker
 * is attached to a hostname of yours (Workers custom domain or zone route),
 * and that hostname is the one in MCP_AUDIENCE — otherwise the resource
 * clients are told about (RFC 9728 `resource`) is not where the worker runs.
 */
export const customDomainPolicy: StackValidationPolicy = {
  name: "custom-domain-in-production",
  description: "Every production MCP worker is served on a custom domain (or zone route) matching its MCP_AUDIENCE host.",
  severity: "high",
  configSchema: { properties: { ...productionConfigSchema } },
  remediationSteps:
    "Set customDomain (and zoneId/zoneName) on the server in Pulumi.production.yaml, using the host of its audience; " +
    "or declare a route on that host under routes.",
  validateStack: (args, reportViolation) => {
    const scripts = args.resources.filter((r) => r.type === RESOURCE_TYPES.workersScript);
    if (scripts.length === 0 || !isProductionStack(stackOfUrn(scripts[0]!.urn), args.getConfig<ProductionConfig>())) return;
    for (const script of scripts) {
      const scriptName = String(script.props.scriptName);
      const hosts = hostsServing(args.resources, scriptName);
      const audience = plainTextVar(script.props, WORKER_VARS.MCP_AUDIENCE.name);
      if (hosts.length === 0) {
        reportViolation(`${scriptName} has no custom domain or route in production; set customDomain for it (the host of ${audience ?? "its audience"}).`, script.urn);
        continue;
      }
      const audienceHost = audience ? hostOf(audience) : undefined;
      if (audienceHost && !hosts.includes(audienceHost)) {
        reportViolation(
          `${scriptName}'s MCP_AUDIENCE host ${audienceHost} is not one of its domains (${hosts.join(", ")}); clients would be sent to a host the worker does not serve.`,
          script.urn,
        );
      }
    }
  },
};

/** Hostnames attached to a script by custom domains and zone routes. */
function hostsServing(resources: readonly PolicyResource[], scriptName: string): string[] {
  const hosts: string[] = [];
  for (const r of resources) {
    if (r.type === RESOURCE_TYPES.workersCustomDomain && r.props.service === scriptName) hosts.push(String(r.props.hostname).toLowerCase());
    if (r.type === RESOURCE_TYPES.workersRoute && r.props.script === scriptName) {
      // "mcp.example.com/*" → mcp.example.com; a wildcard host matches nothing exactly.
      const host = String(r.props.pattern).split("/")[0]?.toLowerCase();
      if (host && !host.includes("*")) hosts.push(host);
    }
  }
  return hosts;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
