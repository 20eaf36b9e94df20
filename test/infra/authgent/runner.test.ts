/**
 * The `authgent:` block's secrets through @pulumi/pulumi's own program runner
 * (the `pulumi up` path, config from PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS).
 */
import { describe, expect, it } from "vitest";
import { runLikePulumi, stackConfigEnv, useFakeCloudflareApi } from "../support/language-host.ts";
import { withCommittedSigningKey } from "./stack-files.ts";

const cloudflareEnv = useFakeCloudflareApi("authgent-runner-token");

async function productionEnv() {
  return withCommittedSigningKey(await stackConfigEnv("production", cloudflareEnv()));
}

describe("pulumi up --stack production with Authgent", () => {
  it("deploys the Docker host's resources and exports the issuer URLs, the key only as a secret", async () => {
    const env = await productionEnv();
    const result = await runLikePulumi("production", env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.outputs?.["authgent"]).toEqual({
      issuerUrl: "https://auth.yourcompany.com",
      jwksUrl: "https://auth.yourcompany.com/.well-known/jwks.json",
      metadataUrl: "https://auth.yourcompany.com/.well-known/oauth-authorization-server",
    });
    const container = result.resources.find((r) => r.name === "authgent-container");
    expect(container?.inputs["uploads"]).toEqual([{ content: "[secret]", file: "/keys/ec-private.pem", permissions: "0444" }]);
    const pem = (JSON.parse(env.config["authgent-edge:authgent"] ?? "{}") as { signingKey: string }).signingKey;
    expect(JSON.stringify(result)).not.toContain(pem.split("\n")[1]);
  });

  it("refuses a signing key that was set without --secret, before declaring any resource", async () => {
    const env = await productionEnv();
    const result = await runLikePulumi("production", { ...env, secretKeys: env.secretKeys.filter((key) => key !== "authgent-edge:authgent") });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("authgent.signingKey is stored in plain text: remove it and run `pulumi config set --secret --path 'authgent.signingKey' <value>`");
    expect(result.stderr).not.toContain("PRIVATE KEY");
    expect(result.resources.filter((r) => r.type.startsWith("docker:") || r.type.startsWith("cloudflare:"))).toEqual([]);
  });
});
