import { describe, expect, it } from "vitest";
import { SECURE_PLACEHOLDER } from "../../../infra/config-source.ts";
import { missingSecretPlaceholder } from "../../../infra/authgent/required-secrets.ts";
import { authgentStackIssues, authgentStackWarnings, isProductionStack } from "../../../infra/authgent/stack-rules.ts";
import { authgentConfig } from "./fixtures.ts";

const ISSUER = "https://auth.yourcompany.com";
const SECRET_KEY_COMMAND = "npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.secretKey --stack production";

function messages(...args: Parameters<typeof authgentStackIssues>): string[] {
  return authgentStackIssues(...args).map((issue) => `${issue.path} ${issue.message}`);
}

describe("authgent stack rules", () => {
  it("pass for the production shape: https issuer, secret key set, servers on the deployed issuer", () => {
    expect(messages(authgentConfig(), [{ issuer: ISSUER }, { issuer: ISSUER }], "production")).toEqual([]);
  });

  it("fail when the secret key is not set, saying why it matters and the command that sets it", () => {
    expect(messages(authgentConfig({ secretKey: undefined }), [], "production")).toEqual([
      "authgent.secretKey is not set: authgent-server encrypts the signing keys it stores with it (AUTHGENT_SECRET_KEY); unset, it is random per process and /token fails after a restart. " +
        `Set it with: ${SECRET_KEY_COMMAND}`,
    ]);
  });

  it("turn an unset secret the offline reader replaced with its placeholder into a warning, not an error", () => {
    const config = authgentConfig({ secretKey: missingSecretPlaceholder("authgent.secretKey") });
    expect(messages(config, [], "production")).toEqual([]);
    expect(authgentStackWarnings(config, "production").map((w) => `${w.path} ${w.message}`)).toEqual([
      expect.stringMatching(/^authgent\.secretKey is not set \(shown as a placeholder; pulumi preview and up refuse until it is\): .* Set it with: npm run --silent keygen -- --stack production \| pulumi config set --secret --path authgent\.secretKey --stack production$/),
    ]);
    expect(authgentStackWarnings(authgentConfig(), "production")).toEqual([]);
  });

  it("require the Postgres password, the external URL and the registration token their settings need", () => {
    expect(messages(authgentConfig({ database: { type: "postgres" } }), [], "staging")).toEqual([
      expect.stringContaining(
        "authgent.database.password is not set: the Postgres container's password. Set it with: npm run --silent keygen -- --stack staging --path authgent.database.password | pulumi config set --secret --path authgent.database.password --stack staging",
      ),
    ]);
    expect(messages(authgentConfig({ database: { type: "external" } }), [], "staging")).toEqual([
      expect.stringContaining("authgent.database.url is not set: the external database's URL"),
    ]);
    expect(messages(authgentConfig({ registration: { policy: "token" } }), [], "staging")).toEqual([
      expect.stringContaining("--path authgent.registration.token | pulumi config set --secret --path authgent.registration.token --stack staging"),
    ]);
  });

  it("accept an encrypted key the offline plan could not decrypt, and refuse a short or padded one without quoting it", () => {
    expect(messages(authgentConfig({ secretKey: SECURE_PLACEHOLDER }), [], "production")).toEqual([]);
    expect(messages(authgentConfig({ secretKey: "short-secret" }), [], "production")).toEqual([
      "authgent.secretKey must be at least 32 characters; generate one with npm run keygen",
    ]);
    const padded = `${"a".repeat(64)}\n`;
    expect(messages(authgentConfig({ secretKey: padded }), [], "production")).toEqual([
      "authgent.secretKey must not start or end with whitespace (a trailing newline?); store it again with npm run keygen",
    ]);
  });

  it("fail an http (localhost) issuer in production", () => {
    const http = authgentConfig({ issuer: "http://127.0.0.1:8000", tls: { proxy: "none" } });
    expect(messages(http, [{ issuer: "http://127.0.0.1:8000" }], "production")).toEqual([
      'authgent.issuer must be an https URL in production (the seed\'s checklist: TLS everywhere), got "http://127.0.0.1:8000"',
    ]);
    expect(messages(http, [{ issuer: "http://127.0.0.1:8000" }], "dev")).toEqual([]);
  });

  it("fail a server whose issuer differs from the deployed one", () => {
    expect(messages(authgentConfig(), [{ issuer: ISSUER }, { issuer: "https://auth-staging.yourcompany.com" }], "production")).toEqual([
      'servers[1].issuer is "https://auth-staging.yourcompany.com" (set on the server or under defaults) but this stack deploys Authgent as "https://auth.yourcompany.com"; remove it so the server uses the deployed issuer, or change authgent.issuer',
    ]);
  });

  it("fail a token lifetime set through env that the workers would refuse, naming both keys", () => {
    const config = authgentConfig({ env: { AUTHGENT_ACCESS_TOKEN_TTL: "7200", AUTHGENT_EXCHANGE_TOKEN_TTL: "soon" } });
    expect(messages(config, [{ issuer: ISSUER, vars: { MAX_TOKEN_LIFETIME: "86400" } }, { issuer: ISSUER, vars: { MAX_TOKEN_LIFETIME: "3600" } }], "production")).toEqual([
      "authgent.env.AUTHGENT_ACCESS_TOKEN_TTL is 7200 s, longer than servers[1]'s maxTokenLifetime (3600 s): the worker refuses tokens whose exp − iat exceeds it. Lower it, or raise maxTokenLifetime",
      'authgent.env.AUTHGENT_EXCHANGE_TOKEN_TTL must be a whole number of seconds, got "soon"',
    ]);
    expect(messages(authgentConfig({ env: { AUTHGENT_ACCESS_TOKEN_TTL: "3600" } }), [{ issuer: ISSUER, vars: { MAX_TOKEN_LIFETIME: "3600" } }], "production")).toEqual([]);
  });

  it("require Docker TLS material for a tcp:// host, with the commands that set it", () => {
    const [message, ...rest] = messages(authgentConfig({ host: "tcp://vps.yourcompany.com:2376" }), [], "production");
    expect(rest).toEqual([]);
    expect(message).toContain("authgent.dockerTls is required for the tcp:// host vps.yourcompany.com");
    expect(message).toContain("pulumi config set --secret --path authgent.dockerTls.ca --stack production < ca.pem");
  });

  it("treat only the production stack (also fully qualified) as production", () => {
    expect(isProductionStack("production")).toBe(true);
    expect(isProductionStack("acme/authgent-edge/production")).toBe(true);
    expect(isProductionStack("production-eu")).toBe(false);
  });
});
