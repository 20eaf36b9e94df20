/** Resources shaped like the ones the Pulumi program declares (see infra/components/mcp-worker.ts). */
import { MCP_AGENT, RATE_LIMITER } from "../../../worker/bindings.ts";
import { RESOURCE_TYPES } from "../../../infra/policy/resources.ts";
import type { FakeResource } from "./policy-harness.ts";

export interface ScriptOptions {
  readonly stack?: string;
  readonly scriptName?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly vars?: Record<string, string>;
  readonly extraBindings?: Record<string, unknown>[];
  readonly observability?: unknown;
}

export function workersScript(o: ScriptOptions = {}): FakeResource {
  const vars = { AUTHGENT_ISSUER: o.issuer ?? "https://auth.yourcompany.com", MCP_AUDIENCE: o.audience ?? "https://mcp.yourcompany.com", JWKS_CACHE_TTL: "300", ...o.vars };
  return {
    type: RESOURCE_TYPES.workersScript,
    name: `${o.scriptName ?? "my-mcp-server"}-script`,
    stack: o.stack ?? "production",
    props: {
      accountId: "0123456789abcdef0123456789abcdef",
      scriptName: o.scriptName ?? "my-mcp-server",
      mainModule: "index.js",
      bindings: [
        ...Object.entries(vars).map(([name, text]) => ({ type: "plain_text", name, text })),
        { type: "durable_object_namespace", name: MCP_AGENT.binding, className: MCP_AGENT.className },
        { type: "ratelimit", name: RATE_LIMITER.binding, namespaceId: "1001", simple: { limit: 120, period: 60 } },
        ...(o.extraBindings ?? []),
      ],
      observability: "observability" in o ? o.observability : { enabled: true, headSamplingRate: 1 },
    },
  };
}

export function customDomain(hostname: string, service = "my-mcp-server", stack = "production"): FakeResource {
  return { type: RESOURCE_TYPES.workersCustomDomain, name: `${service}-domain`, stack, props: { accountId: "a", hostname, service, zoneId: "z" } };
}

export function route(pattern: string, script = "my-mcp-server", stack = "production"): FakeResource {
  return { type: RESOURCE_TYPES.workersRoute, name: `${script}-route`, stack, props: { zoneId: "z", pattern, script } };
}

export function subdomain(enabled: boolean, o: { stack?: string; scriptName?: string; previewsEnabled?: boolean } = {}): FakeResource {
  const scriptName = o.scriptName ?? "my-mcp-server";
  return {
    type: RESOURCE_TYPES.workersScriptSubdomain,
    name: `${scriptName}-subdomain`,
    stack: o.stack ?? "production",
    props: { accountId: "a", scriptName, enabled, previewsEnabled: o.previewsEnabled ?? false },
  };
}

/** @param resourceName logical name; the Authgent component names its images `authgent-image` and `authgent-caddy-image`. */
export function remoteImage(name: string, stack = "production", resourceName = "authgent-image"): FakeResource {
  return { type: RESOURCE_TYPES.remoteImage, name: resourceName, stack, props: { name, keepLocally: true } };
}
