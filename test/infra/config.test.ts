import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { COMPATIBILITY_DATE, MCP_AGENT, WORKER_VARS } from "../../worker/bindings.ts";
import { defaultRateLimitNamespaceId, parseStackConfig, SERVER_DEFAULTS, StackConfigError } from "../../infra/config.ts";
import { secretConfigKeys, stackFileInput } from "../../infra/config-source.ts";
import { expectIssue, issuesOf, withServer, type Server, type Values } from "./support/config-issues.ts";
import { baseValues, input } from "./support/fixtures.ts";

describe("stack config: defaults", () => {
  it("applies every default in one place and writes them out as worker vars", () => {
    const [server] = parseStackConfig(input(baseValues())).servers;
    expect(server).toMatchObject({
      issuer: "https://auth.example.com",
      source: "worker/index.ts",
      workersDev: false,
      compatibilityDate: COMPATIBILITY_DATE,
      keepBindings: [],
      observabilitySampleRate: 1,
      routes: [],
      customDomain: { hostname: "alpha.example.com", zoneId: "fedcba9876543210fedcba9876543210" },
      rateLimit: { namespaceId: defaultRateLimitNamespaceId("alpha"), limit: 120, periodSeconds: 60 },
    });
    expect(server?.vars).toEqual({
      AUTHGENT_ISSUER: "https://auth.example.com",
      MCP_AUDIENCE: "https://alpha.example.com",
      JWKS_CACHE_TTL: WORKER_VARS.JWKS_CACHE_TTL.default,
      RATE_LIMIT_PER_MINUTE: WORKER_VARS.RATE_LIMIT_PER_MINUTE.default,
      ALLOWED_ORIGINS: "",
      JWT_ALGORITHMS: "ES256",
      CLOCK_TOLERANCE: WORKER_VARS.CLOCK_TOLERANCE.default,
      MAX_TOKEN_LIFETIME: WORKER_VARS.MAX_TOKEN_LIFETIME.default,
      RESOURCE_NAME: WORKER_VARS.RESOURCE_NAME.default,
      SHARED_SUBJECTS: WORKER_VARS.SHARED_SUBJECTS.default,
      REQUIRE_DPOP: "false",
      DPOP_ALGORITHMS: "ES256",
      DPOP_PROOF_MAX_AGE: WORKER_VARS.DPOP_PROOF_MAX_AGE.default,
      DPOP_NONCE: "false",
    });
    expect(SERVER_DEFAULTS.scopes).toEqual(["mcp:read", "mcp:write"]);
  });

  it("lets a server override a shared default without touching its neighbours", () => {
    const values = baseValues();
    (values["servers"] as Server[]).push({ name: "beta", audience: "https://beta.example.com", customDomain: "beta.example.com", rateLimitPerMinute: 30 });
    (values["defaults"] as Values)["rateLimitPerMinute"] = 90;
    const [alpha, beta] = parseStackConfig(input(values)).servers;
    expect(alpha?.rateLimit.limit).toBe(90);
    expect(beta?.rateLimit.limit).toBe(30);
    expect(beta?.vars.RATE_LIMIT_PER_MINUTE).toBe("30");
  });

  it("accepts scalar settings as the strings `pulumi config set` stores", () => {
    const values = withServer((s) => Object.assign(s, { jwksCacheTtl: "600", workersDev: "true" }));
    const [server] = parseStackConfig(input(values)).servers;
    expect(server?.vars.JWKS_CACHE_TTL).toBe("600");
    expect(server?.workersDev).toBe(true);
  });

  it("derives distinct, stable rate-limit namespace ids from script names", () => {
    expect(defaultRateLimitNamespaceId("alpha")).toBe(defaultRateLimitNamespaceId("alpha"));
    expect(defaultRateLimitNamespaceId("alpha")).not.toBe(defaultRateLimitNamespaceId("beta"));
    expect(defaultRateLimitNamespaceId("alpha")).toMatch(/^[1-9]\d*$/);
  });
});

describe("stack config: one rule, one message", () => {
  it("requires the Cloudflare account id in its 32-hex form", () => {
    const values = baseValues();
    values["accountId"] = "my-account";
    expectIssue(values, "accountId", "must be the Cloudflare account id (32 lowercase hex characters)");
  });

  it("requires at least one server", () => {
    const values = baseValues();
    values["servers"] = [];
    expectIssue(values, "servers", "must list at least one server");
  });

  it("rejects a name that is not a valid worker script name", () => {
    expectIssue(withServer((s) => (s["name"] = "My_Server")), "servers[0].name", "must be a worker script name");
  });

  it("rejects an audience that is not https", () => {
    expectIssue(withServer((s) => (s["audience"] = "http://alpha.example.com")), "servers[0].audience", "must be an https URL without a trailing slash");
  });

  it("rejects an audience with a trailing slash", () => {
    const values = baseValues();
    (values["servers"] as Server[]).push({ name: "beta", audience: "https://beta.example.com/", customDomain: "beta.example.com" });
    const error = expectIssue(values, "servers[1].audience", "must be an https URL without a trailing slash");
    expect(error.message).toContain("servers[1].audience must be an https URL without a trailing slash");
  });

  it("rejects an audience with a query or fragment", () => {
    expectIssue(withServer((s) => (s["audience"] = "https://alpha.example.com/mcp?x=1")), "servers[0].audience", "without a trailing slash, query or fragment");
  });

  it("requires an issuer when the stack deploys no Authgent", () => {
    const values = baseValues();
    delete (values["defaults"] as Values)["issuer"];
    expectIssue(values, "servers[0].issuer", "is required: set defaults.issuer");
  });

  it("rejects an http issuer", () => {
    const values = baseValues();
    (values["defaults"] as Values)["issuer"] = "http://auth.example.com";
    expectIssue(values, "defaults.issuer", "must be an https URL");
  });

  it("rejects an authgent: block when parsed without the Authgent plugin", () => {
    const values = baseValues();
    values["authgent"] = { host: "ssh://deploy@vps.example.com" };
    expectIssue(values, "authgent", "is not supported by this program");
  });

  it("rejects a custom domain given as a URL", () => {
    expectIssue(withServer((s) => (s["customDomain"] = "https://alpha.example.com")), "servers[0].customDomain", "must be a hostname like mcp.example.com");
  });

  it("requires a zone for a custom domain", () => {
    const values = baseValues();
    delete (values["defaults"] as Values)["zoneId"];
    expectIssue(values, "servers[0].customDomain", "needs the zone that holds it");
  });

  it("requires a zone id for a route", () => {
    const values = withServer((s) => {
      s["routes"] = ["alpha.example.com/v2/*"];
      s["zoneName"] = "example.com";
    });
    delete (values["defaults"] as Values)["zoneId"];
    expectIssue(values, "servers[0].routes[0]", "needs a zoneId");
  });

  it("rejects a route pattern with a scheme", () => {
    expectIssue(withServer((s) => (s["routes"] = ["https://alpha.example.com/*"])), "servers[0].routes[0]", "must be a route pattern like example.com/mcp*");
  });

  it("rejects duplicate server names", () => {
    const values = baseValues();
    (values["servers"] as Server[]).push({ name: "alpha", audience: "https://beta.example.com", customDomain: "beta.example.com" });
    expectIssue(values, "servers[1].name", 'must be unique: "alpha" is also used by servers[0]');
  });

  it("rejects two servers with one audience", () => {
    const values = baseValues();
    (values["servers"] as Server[]).push({ name: "beta", audience: "https://alpha.example.com", routes: ["alpha.example.com/beta/*"] });
    expectIssue(values, "servers[1].audience", "must be unique");
  });

  it("rejects two servers on one custom domain", () => {
    const values = baseValues();
    (values["servers"] as Server[]).push({ name: "beta", audience: "https://alpha.example.com/beta", customDomain: "alpha.example.com" });
    expectIssue(values, "servers[1].customDomain", "must be unique");
  });

  it("rejects two servers sharing a rate-limit namespace", () => {
    const values = withServer((s) => (s["rateLimitNamespaceId"] = "4242"));
    (values["servers"] as Server[]).push({ name: "beta", audience: "https://beta.example.com", customDomain: "beta.example.com", rateLimitNamespaceId: 4242 });
    expectIssue(values, "servers[1].rateLimitNamespaceId", "must be unique");
  });

  it("rejects a rate-limit namespace id that is not a positive integer", () => {
    expectIssue(withServer((s) => (s["rateLimitNamespaceId"] = "ns-1")), "servers[0].rateLimitNamespaceId", "must be a positive integer");
  });

  it("rejects a JWKS cache TTL out of range", () => {
    const values = baseValues();
    (values["defaults"] as Values)["jwksCacheTtl"] = 0;
    expectIssue(values, "defaults.jwksCacheTtl", "must be between 1 and 86400 seconds");
  });

  it("rejects a rate limit that is not a whole number", () => {
    expectIssue(withServer((s) => (s["rateLimitPerMinute"] = 1.5)), "servers[0].rateLimitPerMinute", "must be a whole number of requests per minute");
  });

  it("rejects an allowed origin with a path", () => {
    expectIssue(withServer((s) => (s["allowedOrigins"] = ["https://app.example.com/"])), "servers[0].allowedOrigins[0]", "must be an origin like https://app.example.com");
  });

  it("rejects an algorithm the worker does not support", () => {
    expectIssue(withServer((s) => (s["algorithms"] = ["HS256"])), "servers[0].algorithms[0]", "must be one of ES256, RS256, EdDSA");
  });

  it("rejects a malformed compatibility date", () => {
    expectIssue(withServer((s) => (s["compatibilityDate"] = "March 2026")), "servers[0].compatibilityDate", "must be a date like 2026-03-01");
  });

  it("rejects an unknown keepBindings type", () => {
    expectIssue(withServer((s) => (s["keepBindings"] = ["secrets"])), "servers[0].keepBindings[0]", "must be binding types among secret_text");
  });

  it("rejects an observability sample rate above 1", () => {
    expectIssue(withServer((s) => (s["observabilitySampleRate"] = 2)), "servers[0].observabilitySampleRate", "must be from 0 to 1");
  });

  it("rejects a misspelt setting instead of ignoring it", () => {
    expectIssue(withServer((s) => (s["audiance"] = "https://alpha.example.com")), "servers[0].audiance", "is not a known setting");
  });

  it("names the command that sets a declared secret without a value", () => {
    expectIssue(withServer((s) => (s["secrets"] = ["UPSTREAM_API_KEY"])), "secrets.alpha.UPSTREAM_API_KEY", "pulumi config set --secret --path 'secrets.alpha.UPSTREAM_API_KEY' <value>");
  });

  it("rejects secrets for a server that does not exist", () => {
    const values = baseValues();
    values["secrets"] = { gamma: { KEY: "x" } };
    expectIssue(values, "secrets.gamma", "belongs to no server");
  });

  it("rejects a secret named like a worker var or binding", () => {
    const values = withServer((s) => (s["secrets"] = [MCP_AGENT.binding]));
    values["secrets"] = { alpha: { [MCP_AGENT.binding]: "x" } };
    expectIssue(values, "servers[0].secrets", `must not declare ${MCP_AGENT.binding}`);
  });

  it("rejects a secret name that is not an upper-case identifier", () => {
    expectIssue(withServer((s) => (s["secrets"] = ["api-key"])), "servers[0].secrets[0]", "must be an upper-case name like MY_API_KEY");
  });

  it("rejects a secret stored in plain text in the stack file, without printing it", () => {
    const text = [
      "config:",
      "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef",
      "  authgent-edge:defaults: { issuer: https://auth.example.com, zoneId: fedcba9876543210fedcba9876543210 }",
      "  authgent-edge:servers: [ { name: alpha, audience: https://alpha.example.com, customDomain: alpha.example.com, secrets: [API_KEY] } ]",
      "  authgent-edge:secrets: { alpha: { API_KEY: plain-text-leak } }",
    ].join("\n");
    const source = stackFileInput("test", text);
    let error: StackConfigError | undefined;
    try {
      parseStackConfig(source);
    } catch (err) {
      error = err as StackConfigError;
    }
    expect(error?.issues).toContainEqual({ path: "secrets.alpha.API_KEY", message: expect.stringContaining("is stored in plain text") as unknown as string });
    expect(error?.message).not.toContain("plain-text-leak");
  });

  it("rejects a token lifetime below the worker's minimum", () => {
    expectIssue(withServer((s) => (s["maxTokenLifetime"] = 10)), "servers[0].maxTokenLifetime", "must be between 60 and 31536000 seconds");
  });

  it("reports every problem at once", () => {
    const values = withServer((s) => {
      s["name"] = "Bad Name";
      s["audience"] = "http://x";
    });
    values["accountId"] = "nope";
    expect(issuesOf(values).map((i) => i.path)).toEqual(["accountId", "servers[0].name", "servers[0].audience"]);
  });
});

describe("stack config: one rule, one message (every other setting)", () => {
  const setOnServer = (key: string, value: unknown) => withServer((s) => (s[key] = value));
  const setOnDefaults = (key: string, value: unknown) => {
    const values = baseValues();
    (values["defaults"] as Values)[key] = value;
    return values;
  };
  const setAtRoot = (key: string, value: unknown) => ({ ...baseValues(), [key]: value });

  it.each([
    ["a scope with a space", setOnServer("scopes", ["mcp read"]), "servers[0].scopes[0]", "must be scope tokens without spaces or quotes (RFC 6749 §3.3)"],
    ["an empty scope list", setOnServer("scopes", []), "servers[0].scopes", "must list at least one scope"],
    ["an empty algorithm list", setOnServer("algorithms", []), "servers[0].algorithms", "must list at least one algorithm"],
    ["a clock tolerance above five minutes", setOnServer("clockTolerance", 301), "servers[0].clockTolerance", "must be between 0 and 300 seconds"],
    ["an empty resource name", setOnServer("resourceName", ""), "servers[0].resourceName", "must not be empty"],
    ["a resource name over 200 characters", setOnServer("resourceName", "x".repeat(201)), "servers[0].resourceName", "must be at most 200 characters"],
    ["a compatibility flag that is not a flag name", setOnServer("compatibilityFlags", ["Node Compat"]), "servers[0].compatibilityFlags[0]", "must be flag names like nodejs_compat"],
    ["a workersDev that is not a boolean", setOnServer("workersDev", "yes"), "servers[0].workersDev", "must be true or false"],
    ["a worker source that is not a relative .ts path", setOnServer("source", "/abs/worker.js"), "servers[0].source", "must be a relative .ts path like worker/index.ts"],
    ["a malformed zone id", setOnDefaults("zoneId", "example.com"), "defaults.zoneId", "must be the zone id (32 lowercase hex characters)"],
    ["a zone name given as a URL", setOnDefaults("zoneName", "https://example.com"), "defaults.zoneName", "must be a hostname like mcp.example.com"],
    ["a route object with a malformed zone id", setOnServer("routes", [{ pattern: "alpha.example.com/*", zoneId: "nope" }]), "servers[0].routes[0].zoneId", "must be the zone id (32 lowercase hex characters)"],
    ["a misspelt default", setOnDefaults("jwksTtl", 300), "defaults.jwksTtl", "is not a known setting"],
    ["servers that are not a list", setAtRoot("servers", { alpha: {} }), "servers", "must be a list of servers"],
    ["an authgent: block that is not a mapping", setAtRoot("authgent", "yes"), "authgent", "must be a mapping of Authgent settings"],
    ["a secret value that is not text", setAtRoot("secrets", { alpha: { API_KEY: 42 } }), "secrets.alpha.API_KEY", "must be a text value set with `pulumi config set --secret`"],
  ])("rejects %s", (_what, values, path, fragment) => {
    expectIssue(values, path, fragment);
  });
});

describe("stack config: secure values", () => {
  it("turns encrypted secure: values into placeholders that validate without a secrets provider", () => {
    const text = [
      "config:",
      "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef",
      "  authgent-edge:defaults: { issuer: https://auth.example.com, zoneId: fedcba9876543210fedcba9876543210 }",
      "  authgent-edge:servers: [ { name: alpha, audience: https://alpha.example.com, customDomain: alpha.example.com, secrets: [API_KEY] } ]",
      "  authgent-edge:secrets:",
      "    alpha:",
      "      API_KEY:",
      "        secure: v1:c2VjcmV0:AAAABBBB",
    ].join("\n");
    const [server] = parseStackConfig(stackFileInput("test", text)).servers;
    expect(String(server?.secrets.get("API_KEY"))).toBe("[secret]");
    expect(inspect(server, { depth: 10 })).not.toContain("v1:c2VjcmV0");
    expect(inspect(server, { depth: 10 })).toContain("[secret]");
  });
});

describe("secret config keys from the language host", () => {
  it("reads the JSON list the Pulumi CLI passes", () => {
    expect(secretConfigKeys('["authgent-edge:secrets","cloudflare:apiToken"]')).toEqual(["authgent-edge:secrets", "cloudflare:apiToken"]);
    expect(secretConfigKeys(undefined)).toEqual([]);
  });

  it("refuses a list it cannot read instead of reporting every secret as plain text", () => {
    expect(() => secretConfigKeys("authgent-edge:secrets")).toThrow("PULUMI_CONFIG_SECRET_KEYS is not a JSON list of config keys");
    expect(() => secretConfigKeys('{"authgent-edge:secrets":true}')).toThrow("PULUMI_CONFIG_SECRET_KEYS is not a JSON list of config keys");
  });
});
