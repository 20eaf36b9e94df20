/**
 * The policies against what the Pulumi program really declares: both seed
 * stacks rendered offline (the same inputs `pulumi preview` sends to the
 * analyzer) pass every policy; a production config with a classic mistake
 * is caught by the matching policy.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { POLICIES } from "../../../infra/policy/policies.ts";
import { renderStack } from "../../../scripts/lib/offline-plan.ts";
import { stackViolations, violations, type FakeResource } from "./policy-harness.ts";

async function violationsOf(stack: string, dir?: string): Promise<string[]> {
  const { plan } = await renderStack(stack, dir ? { dir } : {});
  const resources: FakeResource[] = plan.resources.map((r) => ({ type: r.type, name: r.name, stack, props: r.inputs as Record<string, unknown> }));
  const found: string[] = [];
  for (const policy of POLICIES) {
    if ("validateStack" in policy) {
      for (const [message] of await stackViolations(policy as StackValidationPolicy, resources)) found.push(`${policy.name}: ${message}`);
    } else {
      for (const resource of resources) {
        for (const message of await violations(policy as ResourceValidationPolicy, resource)) found.push(`${policy.name}: ${message}`);
      }
    }
  }
  return found;
}

describe("policies over the offline plan", () => {
  it.each(["staging", "production"])("the seed's %s stack passes every policy", async (stack) => {
    expect(await violationsOf(stack)).toEqual([]);
  });

  it("catches workers.dev left on and a day-long JWKS TTL that stack validation allows", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-stack-"));
    await writeFile(
      join(dir, "Pulumi.production.yaml"),
      [
        "config:",
        "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef",
        "  authgent-edge:defaults:",
        "    issuer: https://auth.yourcompany.com",
        "    zoneId: 0123456789abcdef0123456789abcdef",
        "    jwksCacheTtl: 86400",
        "  authgent-edge:servers:",
        "    - name: my-mcp-server",
        "      audience: https://mcp.yourcompany.com",
        "      customDomain: mcp.yourcompany.com",
        "      workersDev: true",
        "",
      ].join("\n"),
    );
    const found = await violationsOf("production", dir);
    expect(found.map((v) => v.split(":")[0]).sort()).toEqual(["jwks-cache-ttl-range", "workers-dev-off-in-production"]);
  });
});
