/**
 * The `authgent:` block through the real stack pipeline: stack file →
 * `parseStackConfig` (with the registered plugin) → `infra/program.ts` under
 * Pulumi's mocks, as `npm run plan` and `pulumi up` run it.
 */
import { describe, expect, it } from "vitest";
import { StackConfigError } from "../../../infra/config.ts";
import { SECURE_PLACEHOLDER, stackFileInput } from "../../../infra/config-source.ts";
import { parseStackConfig } from "../../../infra/config.ts";
import { authgentConfigPlugin } from "../../../infra/config-plugins.ts";
import { renderFleet, renderStack, type PlanResource } from "../../../scripts/lib/offline-plan.ts";
import { AUTHGENT_PLAN_RESOURCES, TEST_SIGNING_KEY } from "./fixtures.ts";

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
  "    signingKey:",
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
    expect(container?.inputs["envs"]).toContain(`AUTHGENT_ISSUER=${ISSUER}`);
  });

  it("shows the signing key only as [secret] in the plan", async () => {
    const { plan, resources } = await renderFleet(parse("production", stackText(AUTHGENT_BLOCK)));
    expect(plan.resources.find((r) => r.name === "authgent-container")?.inputs["uploads"]).toEqual([
      { content: "[secret]", file: "/keys/ec-private.pem", permissions: "0444" },
    ]);
    expect(resources.find((r) => r.name === "authgent-container")?.secretPaths).toEqual(["uploads[0].content"]);
    expect(JSON.stringify(plan)).not.toContain(SECURE_PLACEHOLDER);
  });

  it("exports the issuer, JWKS and RFC 8414 metadata URLs", async () => {
    const { outputs } = await renderFleet(parse("production", stackText(AUTHGENT_BLOCK)));
    const urls = await new Promise<string[]>((resolve) => {
      const a = outputs.authgent!;
      void a.issuerUrl.apply((i) => a.jwksUrl.apply((j) => a.metadataUrl.apply((m) => resolve([i, j, m]))));
    });
    expect(urls).toEqual([ISSUER, `${ISSUER}/.well-known/jwks.json`, `${ISSUER}/.well-known/oauth-authorization-server`]);
  });

  it("accepts the decrypted signing key a real deployment sees", () => {
    const values = stackFileInput("production", stackText(AUTHGENT_BLOCK)).values;
    const authgent = { ...(values["authgent"] as object), signingKey: TEST_SIGNING_KEY };
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
  it("fails when Authgent is enabled without a signing key, naming the key and the command", () => {
    expect(problems("production", stackText(AUTHGENT_BLOCK.slice(0, 2)))).toEqual([
      "authgent.signingKey is not set: Authgent needs its ES256 signing key. Generate one and store it encrypted (it never touches the disk): " +
        "npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.signingKey --stack production",
    ]);
  });

  it("fails a signing key stored in plain text in the stack file, without printing it", () => {
    const block = [...AUTHGENT_BLOCK.slice(0, 2), "    signingKey: |", ...TEST_SIGNING_KEY.trimEnd().split("\n").map((line) => `      ${line}`)];
    const found = problems("production", stackText(block));
    expect(found).toEqual([
      "authgent.signingKey is stored in plain text: remove it and run `pulumi config set --secret --path 'authgent.signingKey' <value>`",
    ]);
    expect(found.join()).not.toContain("PRIVATE KEY");
  });

  it("fails an http issuer in production", () => {
    const block = ["    host: ssh://deploy@vps.yourcompany.com", "    issuer: http://auth.yourcompany.com", ...AUTHGENT_BLOCK.slice(2), "    tls: { proxy: none }"];
    expect(problems("production", stackText(block))).toContain(
      'authgent.issuer must be an https URL in production (the seed\'s checklist: TLS everywhere), got "http://auth.yourcompany.com"; use tls.proxy: caddy for automatic HTTPS, or terminate TLS in front of Authgent',
    );
  });

  it("blames authgent.issuer, once, when the workers would refuse the issuer it deploys", () => {
    const block = ["    host: ssh://deploy@vps.yourcompany.com", "    issuer: http://auth.yourcompany.com", ...AUTHGENT_BLOCK.slice(2), "    tls: { proxy: none }"];
    expect(problems("staging", stackText(block))).toEqual([
      'authgent.issuer is rejected by the worker: AUTHGENT_ISSUER must be an https URL (http is allowed only for localhost), got "http://auth.yourcompany.com"',
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

  it("accepts a stack-wide issuer equal to the deployed one", () => {
    const text = stackText(AUTHGENT_BLOCK, [`    issuer: ${ISSUER}`, "    zoneId: fedcba9876543210fedcba9876543210"]);
    expect(problems("production", text)).toEqual([]);
  });
});
