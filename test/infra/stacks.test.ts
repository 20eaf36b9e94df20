/**
 * The two committed stacks reproduce the seed's wrangler environments
 * (`wrangler deploy --env staging` / `wrangler deploy`), plus custom domains —
 * and, unlike the seed, both carry the Durable Object and its migration.
 */
import { describe, expect, it } from "vitest";
import { COMPATIBILITY_DATE, MCP_AGENT, RATE_LIMITER } from "../../worker/bindings.ts";
import { defaultRateLimitNamespaceId } from "../../infra/config.ts";
import { MCP_FLEET_TYPE } from "../../infra/components/mcp-fleet.ts";
import { MCP_WORKER_TYPE } from "../../infra/components/mcp-worker.ts";
import { renderStack, type PlanResource } from "../../scripts/lib/offline-plan.ts";
import { AUTHGENT_PLAN_RESOURCES } from "./authgent/fixtures.ts";
import { committedStackOptions } from "./authgent/stack-files.ts";

const SCRIPT = "cloudflare:index/workersScript:WorkersScript";
const DOMAIN = "cloudflare:index/workersCustomDomain:WorkersCustomDomain";
const SUBDOMAIN = "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain";
const PLACEHOLDER_ID = "0123456789abcdef0123456789abcdef";

const SEED_ENVS = [
  { stack: "staging", script: "my-mcp-server-staging", issuer: "https://auth-staging.yourcompany.com", audience: "https://mcp-staging.yourcompany.com", domain: "mcp-staging.yourcompany.com", authgent: false },
  { stack: "production", script: "my-mcp-server", issuer: "https://auth.yourcompany.com", audience: "https://mcp.yourcompany.com", domain: "mcp.yourcompany.com", authgent: true },
] as const;

function find(resources: readonly PlanResource[], type: string): PlanResource {
  const found = resources.filter((r) => r.type === type);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe.each(SEED_ENVS)("stack $stack", (seed) => {
  it("creates exactly the fleet, the server component, its script, custom domain and workers.dev switch", async () => {
    const { plan } = await renderStack(seed.stack, await committedStackOptions(seed.stack));
    expect(plan.stack).toBe(seed.stack);
    expect(plan.resources.map(({ type, name, parent }) => ({ type, name, parent }))).toEqual([
      // Production also runs Authgent on its Docker host (issue 4, README "Run Authgent with the stack").
      ...(seed.authgent ? AUTHGENT_PLAN_RESOURCES : []),
      { type: MCP_FLEET_TYPE, name: "mcp-fleet", parent: null },
      { type: MCP_WORKER_TYPE, name: seed.script, parent: "mcp-fleet" },
      { type: DOMAIN, name: `${seed.script}-domain`, parent: seed.script },
      { type: SCRIPT, name: `${seed.script}-script`, parent: seed.script },
      { type: SUBDOMAIN, name: `${seed.script}-subdomain`, parent: seed.script },
    ]);
  });

  it("uploads the seed's script with its vars, the Durable Object, the rate limiter and the first migration", async () => {
    const { plan } = await renderStack(seed.stack, await committedStackOptions(seed.stack));
    const script = find(plan.resources, SCRIPT);
    expect(script.inputs).toMatchObject({
      accountId: PLACEHOLDER_ID,
      scriptName: seed.script,
      mainModule: "index.js",
      contentFile: "../dist/worker/index.js",
      contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown as string,
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: [],
      observability: { enabled: true, headSamplingRate: 1 },
      migrations: { newTag: "v1", steps: [{ newSqliteClasses: [MCP_AGENT.className] }] },
    });
    expect(script.inputs["keepBindings"]).toBeUndefined();
    expect(script.inputs["bindings"]).toEqual([
      { type: "plain_text", name: "AUTHGENT_ISSUER", text: seed.issuer },
      { type: "plain_text", name: "MCP_AUDIENCE", text: seed.audience },
      { type: "plain_text", name: "JWKS_CACHE_TTL", text: "300" },
      { type: "plain_text", name: "RATE_LIMIT_PER_MINUTE", text: "120" },
      { type: "plain_text", name: "JWT_ALGORITHMS", text: "ES256" },
      { type: "plain_text", name: "CLOCK_TOLERANCE", text: "30" },
      { type: "plain_text", name: "MAX_TOKEN_LIFETIME", text: "86400" },
      { type: "plain_text", name: "RESOURCE_NAME", text: "Authgent MCP server" },
      { type: "plain_text", name: "SHARED_SUBJECTS", text: "auto_approved_user,consent_user" },
      { type: "plain_text", name: "REQUIRE_DPOP", text: "false" },
      { type: "plain_text", name: "DPOP_ALGORITHMS", text: "ES256" },
      { type: "plain_text", name: "DPOP_PROOF_MAX_AGE", text: "60" },
      { type: "plain_text", name: "DPOP_NONCE", text: "false" },
      { type: "durable_object_namespace", name: MCP_AGENT.binding, className: MCP_AGENT.className },
      {
        type: "ratelimit",
        name: RATE_LIMITER.binding,
        namespaceId: defaultRateLimitNamespaceId(seed.script),
        simple: { limit: 120, period: RATE_LIMITER.periodSeconds },
      },
    ]);
  });

  it("serves the seed's audience host on a custom domain and keeps workers.dev and preview URLs off", async () => {
    const { plan } = await renderStack(seed.stack, await committedStackOptions(seed.stack));
    expect(find(plan.resources, DOMAIN).inputs).toEqual({ accountId: PLACEHOLDER_ID, hostname: seed.domain, service: seed.script, zoneId: PLACEHOLDER_ID });
    expect(find(plan.resources, SUBDOMAIN).inputs).toEqual({ accountId: PLACEHOLDER_ID, scriptName: seed.script, enabled: false, previewsEnabled: false });
  });

  it("exports the URL, the RFC 9728 metadata URL and the script name", async () => {
    const { outputs } = await renderStack(seed.stack, await committedStackOptions(seed.stack));
    const server = outputs.servers[seed.script];
    const resolved = await new Promise<string[]>((resolve) => {
      void server?.url.apply((url) => server.prmUrl.apply((prm) => server.scriptName.apply((name) => resolve([url, prm, name]))));
    });
    expect(resolved).toEqual([seed.audience, `https://${seed.domain}/.well-known/oauth-protected-resource`, seed.script]);
  });

  it("renders identical resources on every run (quiet previews)", async () => {
    const first = await renderStack(seed.stack, await committedStackOptions(seed.stack));
    const second = await renderStack(seed.stack, await committedStackOptions(seed.stack));
    expect(JSON.stringify(second.plan)).toBe(JSON.stringify(first.plan));
  });

  it("sends no migration once the script is at the ledger's last tag", async () => {
    const { plan } = await renderStack(seed.stack, { ...(await committedStackOptions(seed.stack)), currentMigrationTag: "v1" });
    expect(find(plan.resources, SCRIPT).inputs["migrations"]).toBeUndefined();
  });
});
