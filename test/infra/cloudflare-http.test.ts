/**
 * The program's own Cloudflare API calls: bounded concurrency, retries on 429
 * honouring Retry-After (against the fake Cloudflare API), and the
 * deployments read that rollout servers need.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudflareApiError, createCloudflareApi } from "../../infra/cloudflare-api.ts";
import { cloudflareFetch, retryAfterMs } from "../../infra/cloudflare-http.ts";
import { startFakeCloudflareApi, type FakeCloudflareApi } from "../../scripts/lib/fake-cloudflare-api.ts";

const TOKEN = "http-test-token";
const ACCOUNT = "0123456789abcdef0123456789abcdef";
let api: FakeCloudflareApi;
beforeAll(async () => {
  api = await startFakeCloudflareApi({ apiToken: TOKEN });
});
afterAll(() => api.close());

function client(waits: number[], maxAttempts = 5) {
  return createCloudflareApi({ apiToken: TOKEN, baseUrl: api.url, maxAttempts, sleep: async (ms) => void waits.push(ms) });
}

describe("429 from the Cloudflare API", () => {
  it("waits as long as Retry-After says, then gets the answer", async () => {
    const waits: number[] = [];
    const before = api.requests.length;
    api.throttle(2, 3);
    expect(await client(waits).currentTag(ACCOUNT, "missing-script")).toBeUndefined();
    expect(waits).toEqual([3000, 3000]);
    expect(api.requests.slice(before).map((r) => r.status)).toEqual([429, 429, 404]);
  });

  it("gives up after the last attempt with an error that says how to spread the load", async () => {
    const waits: number[] = [];
    api.throttle(3, 1);
    const error = await client(waits, 3)
      .currentTag(ACCOUNT, "missing-script")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect((error as CloudflareApiError).status).toBe(429);
    expect((error as Error).message).toContain("rate limited after every retry: split the fleet into more stacks or deploy it in waves");
    expect(waits).toEqual([1000, 1000]);
  });

  it("backs off exponentially without Retry-After, and reads HTTP-date values", async () => {
    const waits: number[] = [];
    let calls = 0;
    const request = cloudflareFetch({
      baseDelayMs: 100,
      sleep: async (ms) => void waits.push(ms),
      fetch: async () => new Response("{}", { status: ++calls < 4 ? 503 : 200 }),
    });
    expect((await request("http://x", {})).status).toBe(200);
    expect(waits).toEqual([100, 200, 400]);
    expect(retryAfterMs("Wed, 02 Dec 2026 12:00:30 GMT", Date.parse("Wed, 02 Dec 2026 12:00:00 GMT"))).toBe(30_000);
  });
});

describe("concurrency", () => {
  it("keeps at most `concurrency` requests in flight however many are asked for", async () => {
    let inFlight = 0;
    let peak = 0;
    const request = cloudflareFetch({
      concurrency: 4,
      fetch: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return new Response("{}", { status: 200 });
      },
    });
    await Promise.all(Array.from({ length: 40 }, () => request("http://x", {})));
    expect(peak).toBe(4);
  });
});

describe("deployments", () => {
  it("reads the versions serving a script, and nothing for a script that does not exist", async () => {
    const reader = client([]);
    expect(await reader.currentDeployment(ACCOUNT, "no-such-script")).toBeUndefined();
    api.scripts.set(`${ACCOUNT}/rolling`, {
      name: "rolling",
      migrationTag: "v1",
      classes: new Set(),
      metadata: {},
      uploads: 2,
      deployments: [{ versions: [{ version_id: "b", percentage: 10 }, { version_id: "a", percentage: 90 }] }, { versions: [{ version_id: "a", percentage: 100 }] }],
    });
    expect(await reader.currentDeployment(ACCOUNT, "rolling")).toEqual([
      { versionId: "b", percentage: 10 },
      { versionId: "a", percentage: 90 },
    ]);
  });

  it("reads the deployment before the latest, and nothing when there is none", async () => {
    const reader = client([]);
    api.scripts.set(`${ACCOUNT}/at-once`, {
      name: "at-once",
      migrationTag: "v1",
      classes: new Set(),
      metadata: {},
      uploads: 2,
      deployments: [{ versions: [{ version_id: "b", percentage: 100 }] }, { versions: [{ version_id: "a", percentage: 100 }] }],
    });
    expect(await reader.previousDeployment?.(ACCOUNT, "at-once")).toEqual([{ versionId: "a", percentage: 100 }]);
    api.scripts.set(`${ACCOUNT}/fresh`, { name: "fresh", migrationTag: "v1", classes: new Set(), metadata: {}, uploads: 1, deployments: [{ versions: [{ version_id: "a", percentage: 100 }] }] });
    expect(await reader.previousDeployment?.(ACCOUNT, "fresh")).toBeUndefined();
    expect(await reader.previousDeployment?.(ACCOUNT, "no-such-script")).toBeUndefined();
  });
});
