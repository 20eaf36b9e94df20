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
import { committedStackOptions } from "../authgent/stack-files.ts";
import { stackViolations, violations, type FakeResource } from "./policy-harness.ts";

/** A directory holding `Pulumi.production.yaml` with these lines. */
async function productionStackDir(lines: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "policy-stack-"));
  await writeFile(join(dir, "Pulumi.production.yaml"), `${lines.join("\n")}\n`);
  return dir;
}

async function violationsOf(stack: string, dir?: string): Promise<string[]> {
  return (await planAndViolations(stack, dir)).found;
}

async function planAndViolations(stack: string, dir?: string) {
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
  return { plan, found };
}

describe("policies over the offline plan", () => {
  it("the seed's staging stack passes every policy", async () => {
    expect(await violationsOf("staging")).toEqual([]);
  });

  it("the committed production stack passes every policy except an unpinned Caddy image and open registration, which it must report", async () => {
    const { plan, found } = await planAndViolations("production", (await committedStackOptions("production")).dir);
    // Authgent is built on a digest-pinned Python base; the operator still has to pin the Caddy
    // image they tested and decide on registration before production goes live.
    const images = plan.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.name);
    expect(images.sort()).toEqual(["authgent-caddy-image", "authgent-image"]);
    expect(found.sort()).toEqual([
      expect.stringMatching(/^authgent-image-pinned-by-digest: Image "caddy:2" is not pinned .* set authgent\.tls\.image to caddy:2@sha256:<digest> in Pulumi\.production\.yaml\.$/),
      expect.stringMatching(/^authgent-registration-not-open: Authgent runs with AUTHGENT_REGISTRATION_POLICY=open/),
    ]);
  });

  it("reports every unpinned image and auto-approved consent of a production Authgent host", async () => {
    const dir = await productionStackDir([
      "config:",
      "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef",
      "  authgent-edge:defaults:",
      "    zoneId: 0123456789abcdef0123456789abcdef",
      "  authgent-edge:servers:",
      "    - name: my-mcp-server",
      "      audience: https://mcp.yourcompany.com",
      "      customDomain: mcp.yourcompany.com",
      "  authgent-edge:authgent:",
      "    host: ssh://deploy@auth.yourcompany.com",
      "    issuer: https://auth.yourcompany.com",
      "    image: ghcr.io/acme/authgent-server:1",
      "    consentMode: auto_approve",
      "    registration: { policy: admin }",
      "    database: { type: postgres, password: { secure: v1:AAAAAAAAAAAAAAAA:placeholder } }",
      "    secretKey:",
      "      secure: v1:AAAAAAAAAAAAAAAA:placeholder",
    ]);
    const found = await violationsOf("production", dir);
    expect(found.sort()).toEqual([
      expect.stringContaining("authgent-consent-not-auto-approve: Authgent runs with AUTHGENT_CONSENT_MODE=auto_approve"),
      expect.stringContaining('authgent-image-pinned-by-digest: Image "caddy:2" is not pinned'),
      expect.stringContaining('authgent-image-pinned-by-digest: Image "ghcr.io/acme/authgent-server:1" is not pinned'),
      expect.stringContaining('authgent-image-pinned-by-digest: Image "postgres:16-alpine" is not pinned'),
    ]);
  });

  it("catches workers.dev left on and a day-long JWKS TTL that stack validation allows", async () => {
    const dir = await productionStackDir([
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
    ]);
    const found = await violationsOf("production", dir);
    expect(found.map((v) => v.split(":")[0]).sort()).toEqual(["jwks-cache-ttl-range", "workers-dev-off-in-production"]);
  });
});
