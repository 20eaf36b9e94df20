/**
 * The `authgent:` block through the real stack pipeline: stack file →
 * `parseStackConfig` (with the registered plugin) → `infra/program.ts` under
 * Pulumi's mocks, as `npm run plan` and `pulumi up` run it.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { StackConfigError } from "../../../infra/config.ts";
import { SECURE_PLACEHOLDER, stackFileInput } from "../../../infra/config-source.ts";
import { parseStackConfig } from "../../../infra/config.ts";
import { authgentConfigPlugin } from "../../../infra/config-plugins.ts";
import { renderFleet, renderStack, type PlanResource } from "../../../scripts/lib/offline-plan.ts";
import { AUTHGENT_PLAN_RESOURCES, TEST_SECRET_KEY } from "./fixtures.ts";

const SCRIPT = "cloudflare:index/workersScript:WorkersScript";
const ISSUER = "https://auth.yourcompany.com";

/** A production-like stack file with three servers sharing defaults and an `authgent:` block. */
function stackText(authgent: string[], defaults = ["    zoneId: fedcba9876543210fedcba9876543210"]): string {
  return [
    "config:",
    "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef",
    "  authgent-edge:defaults:",
    ...defaults,
    "  authgent-edge:servers:",
    ...["alpha", "beta", "gamma"].flatMap((name) => [
      `    - name: ${name}`,
      `      audience: https://${name}.yourcompany.com`,
      `      customDomain: ${name}.yourcompany.com`,
    ]),
    "  authgent-edge:authgent:",
    ...authgent,
    "",
  ].join("\n");
}

const AUTHGENT_BLOCK = [
  "    host: ssh://deploy@vps.yourcompany.com",
  `    issuer: ${ISSUER}`,
  "    secretKey:",
  "      secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB",
];

function parse(stack: string, text: string) {
  return parseStackConfig(stackFileInput(stack, text), { authgent: authgentConfigPlugin! });
}

function problems(stack: string, text: string): string[] {
  try {
    parse(stack, text);
  } catch (err) {
    if (err instanceof StackConfigError) return err.issues.map((issue) => `${issue.path} ${issue.message}`);
    throw err;
  }
  return [];
}

function dockerResources(resources: readonly PlanResource[]): PlanResource[] {
  return resources.filter((r) => r.type.startsWith("docker:") || r.type === "pulumi:providers:docker" || r.type.startsWith("authgent-edge:authgent:"));
}

describe("a stack with an authgent: block", () => {
  it("deploys Authgent with its provider, image, volume, network, container and Caddy", async () => {
    const { plan } = await renderFleet(parse("production", stackText(AUTHGENT_BLOCK)));
    expect(dockerResources(plan.resources).map(({ type, name, parent }) => ({ type, name, parent }))).toEqual(AUTHGENT_PLAN_RESOURCES);
  });

  it("wires every worker's AUTHGENT_ISSUER (and so its PRM authorization_servers) to the deployed issuer", async () => {
    const { plan } = await renderFleet(parse("production", stackText(AUTHGENT_BLOCK)));
    const scripts = plan.resources.filter((r) => r.type === SCRIPT);
    expect(scripts).toHaveLength(3);
    for (const script of scripts) {
      const bindings = script.inputs["bindings"] as { name: string; text?: string }[];
      expect(bindings.find((b) => b.name === "AUTHGENT_ISSUER"), script.name).toEqual({ type: "plain_text", name: "AUTHGENT_ISSUER", text: ISSUER });
    }
    const container = plan.resources.find((r) => r.name === "authgent-container");
    expect(container?.inputs["envs"]).toContain(`AUTHGENT_SERVER_URL=${ISSUER}`);
  });

  it("sends the secret key, and only it, as a secret: the plan shows every other setting", async () => {
    const { plan, resources } = await renderFleet(parse("production", stackText(AUTHGENT_BLOCK)));
    const envs = plan.resources.find((r) => r.name === "authgent-container")?.inputs["envs"] as string[];
    const index = envs.indexOf("[secret]");
    expect(envs.filter((e) => e === "[secret]")).toHaveLength(1);
    expect(resources.find((r) => r.name === "authgent-container")?.secretPaths).toEqual([`envs[${index}]`]);
    expect(envs).toContain('AUTHGENT_SCOPES_SUPPORTED=["mcp:read","mcp:write"]');
    expect(JSON.stringify(plan)).not.toContain(SECURE_PLACEHOLDER);
  });

  it("exports the issuer URLs and the key rotation command against the stack's Docker host", async () => {
    const { outputs } = await renderFleet(parse("production", stackText(AUTHGENT_BLOCK)));
    const a = outputs.authgent!;
    const values = await new Promise<string[]>((resolve) => {
      void pulumi.all([a.issuerUrl, a.jwksUrl, a.metadataUrl, a.rotateKeysCommand]).apply(resolve);
    });
    expect(values).toEqual([
      ISSUER,
      `${ISSUER}/.well-known/jwks.json`,
      `${ISSUER}/.well-known/oauth-authorization-server`,
      "docker -H ssh://deploy@vps.yourcompany.com exec authgent authgent-server rotate-keys",
    ]);
  });

  it("accepts the decrypted secret key a real deployment sees", () => {
    const values = stackFileInput("production", stackText(AUTHGENT_BLOCK)).values;
    const authgent = { ...(values["authgent"] as object), secretKey: TEST_SECRET_KEY };
    expect(() => parseStackConfig({ stack: "production", values: { ...values, authgent }, plaintextSecretPaths: [] }, { authgent: authgentConfigPlugin! })).not.toThrow();
  });
});

describe("a stack without an authgent: block", () => {
  it("creates no Docker resources and exports no Authgent URLs (the committed staging stack)", async () => {
    const { plan, outputs } = await renderStack("staging");
    expect(dockerResources(plan.resources)).toEqual([]);
    expect(outputs.authgent).toBeUndefined();
  });

  it("keeps requiring an issuer for its servers", () => {
    const text = stackText([], ["    zoneId: fedcba9876543210fedcba9876543210"]).replace("  authgent-edge:authgent:\n", "");
    expect(problems("staging", text)).toContain(
      "servers[0].issuer is required: set defaults.issuer (or this server's issuer) to your Authgent URL, or add an authgent: block to deploy one",
    );
  });
});

describe("authgent: validation in the stack config", () => {
  it("renders a stack file without the secret key, with a visible placeholder and a warning naming the command", async () => {
    const config = parse("production", stackText(AUTHGENT_BLOCK.slice(0, 2)));
    expect(config.warnings?.map((w) => `${w.path} ${w.message}`)).toEqual([
      expect.stringContaining(
        "authgent.secretKey is not set (shown as a placeholder; pulumi preview and up refuse until it is): authgent-server encrypts the signing keys it stores with it",
      ),
    ]);
    expect(config.warnings?.[0]?.message).toContain(
      "Set it with: npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.secretKey --stack production",
    );
    const { plan } = await renderFleet(config);
    expect(plan.resources.find((r) => r.name === "authgent-container")?.inputs["envs"]).toContain("AUTHGENT_SECRET_KEY=[not set: authgent.secretKey]");
  });

  it("refuses the same config without the secret key when Pulumi reads it (preview and up)", () => {
    const { values } = stackFileInput("production", stackText(AUTHGENT_BLOCK));
    const { secretKey: _dropped, ...authgent } = values["authgent"] as Record<string, unknown>;
    expect(() => parseStackConfig({ stack: "production", values: { ...values, authgent }, plaintextSecretPaths: [] }, { authgent: authgentConfigPlugin! })).toThrow(
      "authgent.secretKey is not set: authgent-server encrypts the signing keys it stores with it",
    );
  });

  it("fails a secret key stored in plain text in the stack file, without printing it", () => {
    const block = [...AUTHGENT_BLOCK.slice(0, 2), `    secretKey: ${TEST_SECRET_KEY}`];
    const found = problems("production", stackText(block));
    expect(found).toEqual(["authgent.secretKey is stored in plain text: remove it and run `pulumi config set --secret --path 'authgent.secretKey' <value>`"]);
    expect(found.join()).not.toContain(TEST_SECRET_KEY);
  });

  it("fails the seed's signingKey, saying what replaced it", () => {
    const block = [...AUTHGENT_BLOCK, "    signingKey:", "      secure: v1:AAAAAAAAAAAAAAAA:CCCC"];
    expect(problems("production", stackText(block))).toEqual([expect.stringMatching(/^authgent\.signingKey is no longer used: authgent-server generates its own ES256 signing keys/)]);
  });

  it("fails an http issuer outside localhost, naming the key", () => {
    const block = ["    host: ssh://deploy@vps.yourcompany.com", "    issuer: http://auth.yourcompany.com", ...AUTHGENT_BLOCK.slice(2), "    tls: { proxy: none }"];
    expect(problems("staging", stackText(block))).toEqual([
      'authgent.issuer must be https (http is accepted for localhost only: tokens and metadata travel over TLS), got "http://auth.yourcompany.com"; write https://auth.yourcompany.com',
    ]);
  });

  it("fails a bad Docker host URL", () => {
    const block = ["    host: http://vps.yourcompany.com", ...AUTHGENT_BLOCK.slice(1)];
    expect(problems("production", stackText(block))).toEqual([
      'authgent.host must be ssh://user@host[:port] or tcp://host:2376; "http:" is not supported (a remote host is reached over SSH or over TLS-protected TCP)',
    ]);
  });

  it("fails a stack-wide issuer that differs from the deployed one, for every server it reaches", () => {
    const text = stackText(AUTHGENT_BLOCK, ["    issuer: https://auth-staging.yourcompany.com", "    zoneId: fedcba9876543210fedcba9876543210"]);
    expect(problems("production", text)).toEqual(
      [0, 1, 2].map(
        (i) =>
          `servers[${i}].issuer is "https://auth-staging.yourcompany.com" (set on the server or under defaults) but this stack deploys Authgent as "${ISSUER}"; remove it so the server uses the deployed issuer, or change authgent.issuer`,
      ),
    );
  });

  it("fails Authgent's access-token lifetime above the servers' maxTokenLifetime, naming both", () => {
    const text = stackText([...AUTHGENT_BLOCK, "    env: { AUTHGENT_ACCESS_TOKEN_TTL: '900' }"], ["    zoneId: fedcba9876543210fedcba9876543210", "    maxTokenLifetime: 600"]);
    expect(problems("production", text)).toEqual([
      "authgent.env.AUTHGENT_ACCESS_TOKEN_TTL is 900 s, longer than servers[0]'s maxTokenLifetime (600 s): the worker refuses tokens whose exp − iat exceeds it. Lower it, or raise maxTokenLifetime",
      "authgent.env.AUTHGENT_ACCESS_TOKEN_TTL is 900 s, longer than servers[1]'s maxTokenLifetime (600 s): the worker refuses tokens whose exp − iat exceeds it. Lower it, or raise maxTokenLifetime",
      "authgent.env.AUTHGENT_ACCESS_TOKEN_TTL is 900 s, longer than servers[2]'s maxTokenLifetime (600 s): the worker refuses tokens whose exp − iat exceeds it. Lower it, or raise maxTokenLifetime",
    ]);
  });

  it("accepts a stack-wide issuer equal to the deployed one", () => {
    const text = stackText(AUTHGENT_BLOCK, [`    issuer: ${ISSUER}`, "    zoneId: fedcba9876543210fedcba9876543210"]);
    expect(problems("production", text)).toEqual([]);
  });
});
