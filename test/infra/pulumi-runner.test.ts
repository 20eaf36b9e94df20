/**
 * Loads infra/ the way `pulumi up` does: @pulumi/pulumi's own program runner
 * (cmd/run/run.js) with the runtime options from Pulumi.yaml, under mocks,
 * for each stack file — so a wrong `main`, module system or TypeScript
 * setting fails here instead of at a user's first `pulumi up`.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { renderStack } from "../../scripts/lib/offline-plan.ts";
import { committedStackOptions, withCommittedSecrets } from "./authgent/stack-files.ts";
import { targetsFromOutputs } from "../../scripts/lib/verify-stack.ts";
import { readProjectFile, runLikePulumi, stackConfigEnv, useFakeCloudflareApi, type RunnerResult } from "./support/language-host.ts";

const cloudflareEnv = useFakeCloudflareApi("runner-test-token");

describe("Pulumi.yaml", () => {
  it("points Pulumi at infra/ on the nodejs runtime with TypeScript loaded by the node args", async () => {
    const project = await readProjectFile();
    expect(project).toEqual({ name: "authgent-edge", main: "infra/", runtime: { name: "nodejs", options: { typescript: false, nodeargs: "--import tsx" } } });
  });
});

describe("why Pulumi.yaml loads TypeScript with tsx", () => {
  it("cannot load this ESM program through Pulumi's default ts-node path", async () => {
    // No options = typescript: true: vendored ts-node 7 (CommonJS only), no ts-node/esm in the project.
    const result = await runLikePulumi("staging", await stackConfigEnv("staging", cloudflareEnv()), { runtimeOptions: {} });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Unknown file extension ".ts"');
    expect(result.resources.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);
  });
});

const SEED: Record<string, { issuer: string; audience: string }> = {
  staging: { issuer: "https://auth-staging.yourcompany.com", audience: "https://mcp-staging.yourcompany.com" },
  production: { issuer: "https://auth.yourcompany.com", audience: "https://mcp.yourcompany.com" },
};

describe.each(["staging", "production"])("pulumi up --stack %s, as the language host runs it", (stack) => {
  let result: RunnerResult;
  beforeAll(async () => {
    result = await runLikePulumi(stack, await withCommittedSecrets(await stackConfigEnv(stack, cloudflareEnv())));
  });

  it("runs where the engine runs the program and its providers: infra/, from Pulumi.yaml's main", () => {
    expect(result.cwd).toBe(resolve(REPO_ROOT, "infra"));
  });

  it("hands the Cloudflare provider a contentFile it can open from its working directory, with the declared SHA-256", async () => {
    const scripts = result.resources.filter((r) => r.type === "cloudflare:index/workersScript:WorkersScript");
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const code = await readFile(resolve(result.cwd, String(script.inputs["contentFile"])));
      expect(createHash("sha256").update(code).digest("hex")).toBe(script.inputs["contentSha256"]);
    }
  });

  it("loads the program and declares the same resources as the offline plan, under the Stack", async () => {
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("error");
    expect(result.typescriptLoader).toBe("node args");

    const { plan } = await renderStack(stack, await committedStackOptions(stack));
    const fromRunner = result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(fromRunner.map((r) => ({ ...r, parent: r.parent === `authgent-edge-${stack}` ? null : r.parent }))).toEqual(plan.resources);
    expect(result.resources.find((r) => r.name === "mcp-fleet")?.parent).toBe(`authgent-edge-${stack}`);
    expect(result.resources.filter((r) => r.type === "pulumi:pulumi:Stack")).toHaveLength(1);
  });

  it("exports each server's URL, metadata URL, script name, issuer and scopes as stack outputs", () => {
    const servers = (result.outputs?.["servers"] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, server] of Object.entries(servers)) {
      expect(server["scriptName"]).toBe(name);
      expect(server["scopes"]).toEqual(["mcp:read", "mcp:write"]);
      expect(server["prmUrl"]).toBe(`${server["url"]}/.well-known/oauth-protected-resource`);
      expect(server["issuer"]).toBe(SEED[stack]?.issuer);
    }
    expect(Object.keys(servers)).toHaveLength(1);
  });

  it("gives `npm run verify -- --stack` the resource and the issuer the PRM must name", () => {
    const targets = targetsFromOutputs(stack, result.outputs ?? {});
    expect(targets.map((t) => ({ mcpUrl: t.mcpUrl.href, expectedResource: t.expectedResource, expectedIssuer: t.expectedIssuer }))).toEqual([
      { mcpUrl: `${SEED[stack]?.audience}/mcp`, expectedResource: SEED[stack]?.audience, expectedIssuer: SEED[stack]?.issuer },
    ]);
  });
});

describe("the Cloudflare endpoint, as the provider picks it", () => {
  it("reads migration tags from CLOUDFLARE_BASE_URL when cloudflare:baseUrl is not set, like the provider's writes", async () => {
    const { config, secretKeys } = cloudflareEnv();
    const before = cloudflareEnv.api().requests.length;
    const env = await stackConfigEnv("staging", {
      config: { "cloudflare:apiToken": config["cloudflare:apiToken"] ?? "" },
      secretKeys,
      env: { CLOUDFLARE_BASE_URL: cloudflareEnv.api().url },
    });
    const result = await runLikePulumi("staging", env, { dryRun: true });
    expect(result.exitCode, result.stderr).toBe(0);
    const reads = cloudflareEnv.api().requests.slice(before).filter((r) => r.method === "GET" && r.path.includes("/workers/services/"));
    expect(reads.map((r) => r.path)).toEqual(["/client/v4/accounts/0123456789abcdef0123456789abcdef/workers/services/my-mcp-server-staging"]);
  });
});

describe("program failures under the runner", () => {
  it("reports an invalid stack config as one message naming the key", async () => {
    const env = await stackConfigEnv("staging", cloudflareEnv());
    env.config["authgent-edge:servers"] = JSON.stringify([{ name: "my-mcp-server-staging", audience: "https://mcp-staging.yourcompany.com/", customDomain: "mcp-staging.yourcompany.com" }]);
    const result = await runLikePulumi("staging", env);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("servers[0].audience must be an https URL without a trailing slash");
    expect(result.stderr).not.toContain("    at "); // one message, no stack trace
    expect(result.resources.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);
  });

  it("stops before declaring resources when the Cloudflare API rejects the token, without printing it", async () => {
    const result = await runLikePulumi("staging", await stackConfigEnv("staging", cloudflareEnv("rejected-token-value")));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("HTTP 403: Authentication error [code: 10000]");
    expect(result.stderr).not.toContain("rejected-token-value");
    expect(result.resources.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);
  });
});
