/**
 * Where provider-read paths resolve: the engine's working directory for the
 * project (pulumi/pulumi `pkg/engine/project.go` `getPwdMain`), and the
 * Cloudflare endpoint the provider picks (terraform-provider-cloudflare
 * `internal/provider.go` Configure).
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOUDFLARE_API_BASE_URL, providerEndpoint } from "../../infra/cloudflare-api.ts";
import { engineWorkingDirectory, programDirectory, providerPath } from "../../infra/program-dir.ts";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";

describe("the engine's working directory (getPwdMain)", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "pwd-main-"));
    await mkdir(join(root, "infra"));
    await writeFile(join(root, "infra", "index.ts"), "");
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("is the project root without main", () => {
    expect(engineWorkingDirectory(root, undefined)).toBe(root);
  });

  it("is the main directory when main names a directory", () => {
    expect(engineWorkingDirectory(root, "infra/")).toBe(join(root, "infra"));
  });

  it("is the file's directory when main names a file", () => {
    expect(engineWorkingDirectory(root, "infra/index.ts")).toBe(join(root, "infra"));
  });

  it("is infra/ for this project, so the provider opens bundles from there", () => {
    expect(programDirectory()).toBe(resolve(REPO_ROOT, "infra"));
    expect(providerPath(resolve(REPO_ROOT, "dist/worker/index.js"), programDirectory())).toBe("../dist/worker/index.js");
  });
});

describe("the Cloudflare endpoint the program reads from", () => {
  const env = { CLOUDFLARE_API_TOKEN: "env-token", CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4" };

  it("prefers the provider config over the environment, as the provider does", () => {
    expect(providerEndpoint({ apiToken: "config-token", baseUrl: "https://proxy.example/client/v4" }, env)).toEqual({
      apiToken: "config-token",
      baseUrl: "https://proxy.example/client/v4",
    });
  });

  it("falls back to CLOUDFLARE_API_TOKEN and CLOUDFLARE_BASE_URL", () => {
    expect(providerEndpoint({}, env)).toEqual({ apiToken: "env-token", baseUrl: env.CLOUDFLARE_BASE_URL });
  });

  it("uses the production API when neither sets a base URL, and gives up without a token", () => {
    expect(providerEndpoint({ apiToken: "t" }, {})).toEqual({ apiToken: "t", baseUrl: CLOUDFLARE_API_BASE_URL });
    expect(providerEndpoint({}, {})).toBeUndefined();
  });
});
