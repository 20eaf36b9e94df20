/**
 * Declaring a fleet cheaply (infra/declare-fast.ts): one server per
 * event-loop turn and empty stack traces, while the engine receives the same
 * requests, source positions and component outputs.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { fixedMigrationTag } from "../../infra/cloudflare-api.ts";
import { MCP_FLEET_TYPE } from "../../infra/components/mcp-fleet.ts";
import { MCP_WORKER_TYPE } from "../../infra/components/mcp-worker.ts";
import { nextTurn, withCheapStacks } from "../../infra/declare-fast.ts";
import { deployStack, FLEET_NAME } from "../../infra/program.ts";
import { startMockEngine, type MockEngine, type RegisteredResource } from "../../scripts/lib/mock-engine.ts";
import { fleet } from "./support/fixtures.ts";

const SERVERS = 6;

async function declareFleet(): Promise<MockEngine> {
  const engine = await startMockEngine({ project: "authgent-edge", stack: "declare" });
  await deployStack(fleet(SERVERS), { migrationTags: fixedMigrationTag(undefined), note: () => {} });
  await engine.settle();
  return engine;
}

/** The server a resource belongs to: a worker component's own name, or its children's parent. */
function serverOf(resource: RegisteredResource): string | undefined {
  if (resource.type === MCP_FLEET_TYPE) return undefined;
  return resource.type === MCP_WORKER_TYPE ? resource.name : (resource.parent ?? undefined);
}

describe("declaring a fleet", () => {
  it("registers each server's resources before the next server's, so only one server's registrations are in flight", async () => {
    const engine = await declareFleet();
    const order = engine.resources.map(serverOf).filter((server): server is string => server !== undefined);
    // Consecutive duplicates collapse to one entry per server: a server that reappears later was interleaved.
    const runs = order.filter((server, i) => server !== order[i - 1]);
    expect(runs).toHaveLength(SERVERS);
    expect(new Set(runs).size).toBe(SERVERS);
  });

  it("registers every server in the fleet's outputs, though the servers are declared after its constructor returns", async () => {
    const engine = await declareFleet();
    const outputs = engine.componentOutputs.get(FLEET_NAME);
    const servers = (outputs?.["servers"] ?? {}) as Record<string, Record<string, unknown>>;
    expect(Object.keys(servers)).toHaveLength(SERVERS);
    expect(servers["mcp-00"]).toMatchObject({ scriptName: "mcp-00", url: "https://mcp-00.example.com", issuer: "https://auth.example.com" });
  });

  it("sends the same source positions with empty stacks as with full ones (the SDK captures them with its own limit)", async () => {
    const positions = (engine: MockEngine) => engine.resources.map((r) => [r.name, r.sourcePosition]);
    const cheap = positions(await declareFleet());
    vi.stubEnv("PULUMI_DEBUG_PROMISE_LEAKS", "1");
    const full = positions(await declareFleet());
    vi.unstubAllEnvs();
    expect(cheap).toEqual(full);
    const scripts = cheap.filter(([name]) => name?.endsWith("-script"));
    expect(scripts).toHaveLength(SERVERS);
    for (const [, position] of scripts) expect(position).toMatch(/infra\/components\/mcp-worker\.ts:\d+$/);
  });
});

describe("withCheapStacks", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("empties stack traces until the declaration completes, then restores the limit", async () => {
    const before = Error.stackTraceLimit;
    let during: number | undefined;
    await withCheapStacks(() => ({ declared: nextTurn().then(() => void (during = Error.stackTraceLimit)) }));
    expect(during).toBe(0);
    expect(Error.stackTraceLimit).toBe(before);
  });

  it("restores the limit when the declaration fails, and passes the failure on", async () => {
    const before = Error.stackTraceLimit;
    const failed = withCheapStacks(() => ({ declared: nextTurn().then(() => Promise.reject(new TypeError("server 3 is broken"))) }));
    await expect(failed).rejects.toThrow("server 3 is broken");
    expect(Error.stackTraceLimit).toBe(before);
  });

  it("keeps full stacks under PULUMI_DEBUG_PROMISE_LEAKS, for the SDK's report of promises left pending", async () => {
    vi.stubEnv("PULUMI_DEBUG_PROMISE_LEAKS", "1");
    const before = Error.stackTraceLimit;
    let during: number | undefined;
    await withCheapStacks(() => ({ declared: nextTurn().then(() => void (during = Error.stackTraceLimit)) }));
    expect(during).toBe(before);
  });
});
