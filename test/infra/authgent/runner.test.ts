/**
 * The `authgent:` block's secrets through @pulumi/pulumi's own program runner
 * (the `pulumi preview` / `pulumi up` path, config from PULUMI_CONFIG /
 * PULUMI_CONFIG_SECRET_KEYS): no placeholder is ever substituted there.
 */
import { describe, expect, it } from "vitest";
import { runLikePulumi, stackConfigEnv, useFakeCloudflareApi } from "../support/language-host.ts";
import { withCommittedSecrets } from "./stack-files.ts";

const cloudflareEnv = useFakeCloudflareApi("authgent-runner-token");

describe("pulumi up --stack production with Authgent", () => {
  it("deploys the Docker host's resources and exports the issuer URLs and rotation command, the key only as a secret", async () => {
    const env = await withCommittedSecrets(await stackConfigEnv("production", cloudflareEnv()));
    const result = await runLikePulumi("production", env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.outputs?.["authgent"]).toEqual({
      issuerUrl: "https://auth.yourcompany.com",
      jwksUrl: "https://auth.yourcompany.com/.well-known/jwks.json",
      metadataUrl: "https://auth.yourcompany.com/.well-known/oauth-authorization-server",
      rotateKeysCommand: "docker -H ssh://deploy@auth.yourcompany.com exec authgent authgent-server rotate-keys",
    });
    const container = result.resources.find((r) => r.name === "authgent-container");
    expect(container?.inputs["envs"]).toContain("[secret]");
    const key = (JSON.parse(env.config["authgent-edge:authgent"] ?? "{}") as { secretKey: string }).secretKey;
    expect(JSON.stringify(result)).not.toContain(key);
  });

  it.each([false, true])("refuses the committed stack without its secret key (preview: %s), naming the command, before declaring any resource", async (dryRun) => {
    const result = await runLikePulumi("production", await stackConfigEnv("production", cloudflareEnv()), { dryRun });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(
      "authgent.secretKey is not set: authgent-server encrypts the signing keys it stores with it (AUTHGENT_SECRET_KEY); unset, it is random per process and /token fails after a restart. " +
        "Set it with: npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.secretKey --stack production",
    );
    expect(result.stderr).not.toContain("[not set");
    expect(result.resources.filter((r) => r.type.startsWith("docker:") || r.type.startsWith("cloudflare:"))).toEqual([]);
  });

  it("refuses a secret key that was set without --secret", async () => {
    const env = await withCommittedSecrets(await stackConfigEnv("production", cloudflareEnv()));
    const result = await runLikePulumi("production", { ...env, secretKeys: env.secretKeys.filter((key) => key !== "authgent-edge:authgent") });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("authgent.secretKey is stored in plain text: remove it and run `pulumi config set --secret --path 'authgent.secretKey' <value>`");
    expect(result.resources.filter((r) => r.type.startsWith("docker:") || r.type.startsWith("cloudflare:"))).toEqual([]);
  });
});
