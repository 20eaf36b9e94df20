import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SECURE_PLACEHOLDER } from "../../../infra/config-source.ts";
import { authgentStackIssues, isProductionStack } from "../../../infra/authgent/stack-rules.ts";
import { authgentConfig } from "./fixtures.ts";

const ISSUER = "https://auth.yourcompany.com";

function messages(...args: Parameters<typeof authgentStackIssues>): string[] {
  return authgentStackIssues(...args).map((issue) => `${issue.path} ${issue.message}`);
}

describe("authgent stack rules", () => {
  it("pass for the production shape: https issuer, signing key set, servers on the deployed issuer", () => {
    expect(messages(authgentConfig(), [{ issuer: ISSUER }, { issuer: ISSUER }], "production")).toEqual([]);
  });

  it("fail when Authgent is enabled without a signing key, naming the key and the command that sets it", () => {
    expect(messages(authgentConfig({ signingKey: undefined }), [], "production")).toEqual([
      "authgent.signingKey is not set: Authgent needs its ES256 signing key. Generate one and store it encrypted (it never touches the disk): " +
        "npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.signingKey --stack production",
    ]);
  });

  it("accept an encrypted key the offline plan could not decrypt", () => {
    expect(messages(authgentConfig({ signingKey: SECURE_PLACEHOLDER }), [], "production")).toEqual([]);
  });

  it("reject a key Authgent cannot sign ES256 with, without quoting it", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const sec1 = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "sec1", format: "pem" }).toString();
    expect(messages(authgentConfig({ signingKey: rsa }), [], "staging")).toEqual([
      "authgent.signingKey must be an EC P-256 key for ES256, got rsa key; generate one with npm run keygen",
    ]);
    expect(messages(authgentConfig({ signingKey: p384 }), [], "staging")).toEqual([
      "authgent.signingKey must be an EC P-256 key for ES256, got ec key on secp384r1; generate one with npm run keygen",
    ]);
    expect(messages(authgentConfig({ signingKey: sec1 }), [], "staging")[0]).toContain("is a SEC1 (BEGIN EC PRIVATE KEY) key; Authgent reads PKCS#8");
    const garbled = "-----BEGIN PRIVATE KEY-----\nnot-base64-at-all\n-----END PRIVATE KEY-----\n";
    const [message] = messages(authgentConfig({ signingKey: garbled }), [], "staging");
    expect(message).toBe("authgent.signingKey is not a readable PKCS#8 PEM private key; generate one with npm run keygen");
  });

  it("fail an http issuer in production; elsewhere the worker's localhost-only rule decides", () => {
    const http = authgentConfig({ issuer: "http://10.0.0.5:8080", tls: { proxy: "none" } });
    expect(messages(http, [{ issuer: "http://10.0.0.5:8080" }], "production")).toEqual([
      'authgent.issuer must be an https URL in production (the seed\'s checklist: TLS everywhere), got "http://10.0.0.5:8080"; use tls.proxy: caddy for automatic HTTPS, or terminate TLS in front of Authgent',
    ]);
    expect(messages(http, [{ issuer: "http://10.0.0.5:8080" }], "dev")).toEqual([]);
  });

  it("fail a server whose issuer differs from the deployed one", () => {
    expect(messages(authgentConfig(), [{ issuer: ISSUER }, { issuer: "https://auth-staging.yourcompany.com" }], "production")).toEqual([
      'servers[1].issuer is "https://auth-staging.yourcompany.com" (set on the server or under defaults) but this stack deploys Authgent as "https://auth.yourcompany.com"; remove it so the server uses the deployed issuer, or change authgent.issuer',
    ]);
  });

  it("require Docker TLS material for a tcp:// host, with the commands that set it", () => {
    const [message, ...rest] = messages(authgentConfig({ host: "tcp://vps.yourcompany.com:2376" }), [], "production");
    expect(rest).toEqual([]);
    expect(message).toBe(
      "authgent.dockerTls is required for the tcp:// host vps.yourcompany.com (Docker's TLS socket needs the CA and a client certificate): " +
        "pulumi config set --secret --path authgent.dockerTls.ca --stack production < ca.pem && " +
        "pulumi config set --secret --path authgent.dockerTls.cert --stack production < cert.pem && " +
        "pulumi config set --secret --path authgent.dockerTls.key --stack production < key.pem",
    );
  });

  it("treat only the production stack (also fully qualified) as production", () => {
    expect(isProductionStack("production")).toBe(true);
    expect(isProductionStack("acme/authgent-edge/production")).toBe(true);
    expect(isProductionStack("staging")).toBe(false);
    expect(isProductionStack("production-eu")).toBe(false);
  });
});
