/** `npm run verify` during a gradual rollout: every request to the deployment is pinned to the new version. */
import { describe, expect, it } from "vitest";
import { verifyTargets } from "../../scripts/lib/verify-run.ts";
import { targetsFromOutputs } from "../../scripts/lib/verify-stack.ts";
import { parseTarget } from "../../scripts/lib/verify-target.ts";
import { parseWorkerVersion, VERSION_OVERRIDE_HEADER } from "../../scripts/lib/verify-version.ts";

describe("checking one Worker version", () => {
  it("sends the version override to the deployment and not to its issuer", async () => {
    const seen: { url: string; override: string | null }[] = [];
    const prm = { resource: "https://mcp.example.com", authorization_servers: ["https://auth.example.com"] };
    const fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      const url = String(input);
      seen.push({ url, override: new Headers(init?.headers).get(VERSION_OVERRIDE_HEADER) });
      if (url.includes("oauth-protected-resource")) return Response.json(prm);
      return new Response("{}", { status: 404, headers: { "content-type": "application/json" } });
    };
    const target = parseTarget("https://mcp.example.com/mcp", { workerVersion: parseWorkerVersion("mcp-a=0d6d2d8e-1111-4b7e-9a55-3c1f0e8b6a01") });
    await verifyTargets([target], { fetch, timeoutMs: 1000 });
    const toDeployment = seen.filter((r) => r.url.startsWith("https://mcp.example.com/"));
    const toIssuer = seen.filter((r) => r.url.startsWith("https://auth.example.com/"));
    expect(toDeployment.length).toBeGreaterThan(2);
    expect(new Set(toDeployment.map((r) => r.override))).toEqual(new Set(['mcp-a="0d6d2d8e-1111-4b7e-9a55-3c1f0e8b6a01"']));
    expect(toIssuer.length).toBeGreaterThan(0);
    expect(toIssuer.every((r) => r.override === null)).toBe(true);
  });

  it("pins each rollout server of a stack to the version its deploy exported", () => {
    const [target] = targetsFromOutputs("staging", {
      servers: { a: { url: "https://mcp.example.com", scriptName: "mcp-a", versionId: "v-new", issuer: "https://auth.example.com" } },
    });
    expect(target?.workerVersion).toEqual({ script: "mcp-a", versionId: "v-new" });
  });

  it("refuses a --worker-version without a script name", () => {
    expect(() => parseWorkerVersion("0d6d2d8e")).toThrow("--worker-version must be <script>=<version-id>");
  });
});
