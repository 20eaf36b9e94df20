/**
 * Each policy's validation function, called directly with passing and failing
 * resources. Messages must say what is wrong and how to fix it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { customDomainPolicy } from "../../../infra/policy/policies/custom-domain.ts";
import { classesAfter, durableObjectLedgerPolicy } from "../../../infra/policy/policies/durable-object-ledger.ts";
import { serverDurableObjectClasses } from "../../../infra/policy/build.ts";
import { httpsUrlsPolicy } from "../../../infra/policy/policies/https-urls.ts";
import { jwksCacheTtlPolicy } from "../../../infra/policy/policies/jwks-cache-ttl.ts";
import { observabilityPolicy } from "../../../infra/policy/policies/observability.ts";
import { plaintextSecretsPolicy } from "../../../infra/policy/policies/plaintext-secrets.ts";
import { workersDevPolicy } from "../../../infra/policy/policies/workers-dev.ts";
import { POLICIES, POLICY_PACK_NAME } from "../../../infra/policy/policies.ts";
import { MCP_AGENT } from "../../../worker/bindings.ts";
import { customDomain, route, subdomain, workersScript } from "./fixtures.ts";
import { stackViolations, violations } from "./policy-harness.ts";


describe("the pack", () => {
  it("holds the checklist policies, each with a description and remediation steps", () => {
    expect(POLICIES.map((p) => p.name)).toEqual([
      "issuer-and-audience-https",
      "custom-domain-in-production",
      "jwks-cache-ttl-range",
      "durable-objects-in-migration-ledger",
      "workers-dev-off-in-production",
      "observability-enabled",
      "authgent-image-pinned-by-digest",
      "authgent-consent-not-auto-approve",
      "authgent-registration-not-open",
      "no-plaintext-secret-bindings",
    ]);
    for (const policy of POLICIES) {
      expect(policy.description, policy.name).not.toBe("");
      expect(policy.remediationSteps?.length ?? 0, policy.name).toBeGreaterThan(40);
      // "all" is reserved by Pulumi for the pack-wide enforcement level.
      expect(policy.name).not.toBe("all");
    }
  });

  it("is named as PulumiPolicy.yaml names it", async () => {
    const { readFile } = await import("node:fs/promises");
    expect(await readFile("infra/policy/PulumiPolicy.yaml", "utf8")).toContain(`name: ${POLICY_PACK_NAME}\n`);
  });
});

describe("issuer-and-audience-https", () => {
  it("passes the seed's https issuer and audience", async () => {
    expect(await violations(httpsUrlsPolicy, workersScript())).toEqual([]);
  });

  it("flags an http issuer, naming the var and the fix", async () => {
    const found = await violations(httpsUrlsPolicy, workersScript({ issuer: "http://auth.yourcompany.com" }));
    expect(found).toEqual([expect.stringMatching(/^AUTHGENT_ISSUER is "http:\/\/auth\.yourcompany\.com", not an https URL.*use https:\/\//)]);
  });

  it("flags an http audience even on loopback (nothing deployed listens there)", async () => {
    const found = await violations(httpsUrlsPolicy, workersScript({ audience: "http://127.0.0.1:8787" }));
    expect(found).toEqual([expect.stringContaining("MCP_AUDIENCE is \"http://127.0.0.1:8787\"")]);
  });

  it("flags a worker without an issuer binding", async () => {
    const script = workersScript();
    const bindings = (script.props.bindings as { name: string }[]).filter((b) => b.name !== "AUTHGENT_ISSUER");
    const found = await violations(httpsUrlsPolicy, { ...script, props: { ...script.props, bindings } });
    expect(found).toEqual([expect.stringContaining("AUTHGENT_ISSUER is not bound")]);
  });

  it("ignores other resource types", async () => {
    expect(await violations(httpsUrlsPolicy, customDomain("mcp.yourcompany.com"))).toEqual([]);
  });
});

describe("custom-domain-in-production", () => {
  it("passes a production worker with a custom domain on its audience host", async () => {
    expect(await stackViolations(customDomainPolicy, [workersScript(), customDomain("mcp.yourcompany.com")])).toEqual([]);
  });

  it("accepts a zone route on the audience host instead of a custom domain", async () => {
    expect(await stackViolations(customDomainPolicy, [workersScript(), route("mcp.yourcompany.com/*")])).toEqual([]);
  });

  it("flags a production worker with no domain, on the script's URN", async () => {
    const script = workersScript();
    const found = await stackViolations(customDomainPolicy, [script, customDomain("other.yourcompany.com", "another-script")]);
    expect(found).toEqual([[expect.stringContaining("my-mcp-server has no custom domain or route in production"), `urn:pulumi:production::authgent-edge::${script.type}::${script.name}`]]);
  });

  it("flags a domain that is not the audience's host", async () => {
    const found = await stackViolations(customDomainPolicy, [workersScript(), customDomain("api.yourcompany.com")]);
    expect(found[0]?.[0]).toContain("MCP_AUDIENCE host mcp.yourcompany.com is not one of its domains (api.yourcompany.com)");
  });

  it("does not apply to staging", async () => {
    expect(await stackViolations(customDomainPolicy, [workersScript({ stack: "staging" })])).toEqual([]);
  });

  it("applies to stacks listed in productionStacks", async () => {
    const found = await stackViolations(customDomainPolicy, [workersScript({ stack: "prod-eu" })], { productionStacks: ["prod-eu"] });
    expect(found).toHaveLength(1);
  });
});

describe("jwks-cache-ttl-range", () => {
  it.each(["60", "300", "3600"])("passes %s seconds", async (ttl) => {
    expect(await violations(jwksCacheTtlPolicy, workersScript({ vars: { JWKS_CACHE_TTL: ttl } }))).toEqual([]);
  });

  it("passes when the var is absent (the worker's default applies)", async () => {
    const script = workersScript();
    const bindings = (script.props.bindings as { name: string }[]).filter((b) => b.name !== "JWKS_CACHE_TTL");
    expect(await violations(jwksCacheTtlPolicy, { ...script, props: { ...script.props, bindings } })).toEqual([]);
  });

  it.each(["59", "3601", "86400", "abc", "300.5"])("flags %s seconds with the allowed range", async (ttl) => {
    const found = await violations(jwksCacheTtlPolicy, workersScript({ vars: { JWKS_CACHE_TTL: ttl } }));
    expect(found).toEqual([expect.stringContaining(`JWKS_CACHE_TTL is "${ttl}" seconds; use 60–3600`)]);
  });
});

describe("durable-objects-in-migration-ledger", () => {
  it("passes the MCP_OBJECT binding against the real ledger in worker/bindings.ts", async () => {
    expect(await violations(durableObjectLedgerPolicy(), workersScript())).toEqual([]);
  });

  it("flags a Durable Object class no migration creates, suggesting the step to append", async () => {
    const script = workersScript({ extraBindings: [{ type: "durable_object_namespace", name: "SESSIONS", className: "SessionStore" }] });
    const found = await violations(durableObjectLedgerPolicy(), script);
    expect(found).toEqual([expect.stringContaining(`class SessionStore, which no step of the migration ledger creates (live classes: ${MCP_AGENT.className})`)]);
    expect(found[0]).toContain('newSqliteClasses: ["SessionStore"]');
  });

  it("flags a class the ledger has since deleted", async () => {
    const ledger = [
      { tag: "v1", newSqliteClasses: ["A"] },
      { tag: "v2", deletedClasses: ["A"] },
    ];
    const script = workersScript({ extraBindings: [{ type: "durable_object_namespace", name: "X", className: "A" }] });
    expect(await violations(durableObjectLedgerPolicy(ledger), script)).toHaveLength(2);
  });

  it("follows renames", () => {
    expect([...classesAfter([{ tag: "v1", newSqliteClasses: ["A"] }, { tag: "v2", renamedClasses: [{ from: "A", to: "B" }] }])]).toEqual(["B"]);
  });

  it("passes a server's own class that its manifest's ledger creates, as the pack is built with", async () => {
    const script = workersScript({ extraBindings: [{ type: "durable_object_namespace", name: "COUNTER", className: "Counter" }] });
    expect(await violations(durableObjectLedgerPolicy(undefined, ["Counter"]), script)).toEqual([]);
    expect(await violations(durableObjectLedgerPolicy(), script)).toEqual([expect.stringContaining("class Counter, which no step of the migration ledger creates")]);
  });

  it("builds in the classes the servers of the stack files declare", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-classes-"));
    try {
      const server = (name: string, source?: string) => ({ name, audience: `https://${name}.example.com`, ...(source ? { source } : {}) });
      await writeFile(join(dir, "Pulumi.a.yaml"), stringify({ config: { "authgent-edge:servers": [server("one"), server("two", "test/worker/fixtures/manifest-server.ts")] } }));
      await writeFile(join(dir, "Pulumi.b.yaml"), stringify({ config: { "authgent-edge:servers": [server("three", "test/worker/fixtures/second-server.ts")] } }));
      expect(await serverDurableObjectClasses(dir)).toEqual(["Counter"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves classes of other workers to those workers", async () => {
    const script = workersScript({ extraBindings: [{ type: "durable_object_namespace", name: "EXT", className: "Elsewhere", scriptName: "other-worker" }] });
    expect(await violations(durableObjectLedgerPolicy(), script)).toEqual([]);
  });
});

describe("workers-dev-off-in-production", () => {
  it("passes workers.dev off in production", async () => {
    expect(await violations(workersDevPolicy, subdomain(false))).toEqual([]);
  });

  it("flags workers.dev on in production with both ways out", async () => {
    const found = await violations(workersDevPolicy, subdomain(true));
    expect(found).toEqual([expect.stringMatching(/my-mcp-server is published on workers\.dev in production\. Set workersDev: false .*allowWorkersDev/)]);
  });

  it("allows an explicitly opted-in script", async () => {
    expect(await violations(workersDevPolicy, subdomain(true), { allowWorkersDev: ["my-mcp-server"] })).toEqual([]);
  });

  it("flags preview URLs in production", async () => {
    expect(await violations(workersDevPolicy, subdomain(false, { previewsEnabled: true }))).toEqual([expect.stringContaining("preview URLs enabled")]);
  });

  it("leaves staging alone", async () => {
    expect(await violations(workersDevPolicy, subdomain(true, { stack: "staging" }))).toEqual([]);
  });
});

describe("observability-enabled", () => {
  it("passes observability on", async () => {
    expect(await violations(observabilityPolicy, workersScript())).toEqual([]);
  });

  it.each([
    ["missing", undefined],
    ["disabled", { enabled: false }],
  ])("flags observability %s", async (_label, observability) => {
    expect(await violations(observabilityPolicy, workersScript({ observability }))).toEqual([expect.stringContaining("observability.enabled is not true")]);
  });

  it("flags a zero sampling rate", async () => {
    expect(await violations(observabilityPolicy, workersScript({ observability: { enabled: true, headSamplingRate: 0 } }))).toEqual([
      expect.stringContaining("headSamplingRate is 0"),
    ]);
  });
});

describe("no-plaintext-secret-bindings", () => {
  it("passes the worker vars and secret_text secrets", async () => {
    const script = workersScript({ extraBindings: [{ type: "secret_text", name: "UPSTREAM_API_KEY", text: "s3cr3t-value" }] });
    expect(await violations(plaintextSecretsPolicy, script)).toEqual([]);
  });

  it.each(["UPSTREAM_API_KEY", "CLIENT_SECRET", "GITHUB_TOKEN", "DB_PASSWORD", "PASSWORD", "SIGNING_PRIVATE_KEY"])(
    "flags plain_text %s without echoing its value",
    async (name) => {
      const script = workersScript({ extraBindings: [{ type: "plain_text", name, text: "s3cr3t-value" }] });
      const found = await violations(plaintextSecretsPolicy, script);
      expect(found).toEqual([expect.stringContaining(`Binding ${name} is plain_text but its name says it is a secret`)]);
      expect(found.join()).not.toContain("s3cr3t-value");
    },
  );

  it("flags json bindings too", async () => {
    const script = workersScript({ extraBindings: [{ type: "json", name: "SERVICE_CREDENTIALS", json: "{}" }] });
    expect(await violations(plaintextSecretsPolicy, script)).toHaveLength(1);
  });

  it.each(["KEYCLOAK_URL", "TOKEN_ENDPOINT_PATH", "MONKEY"])("does not flag %s", async (name) => {
    const script = workersScript({ extraBindings: [{ type: "plain_text", name, text: "x" }] });
    expect(await violations(plaintextSecretsPolicy, script)).toEqual([]);
  });
});
