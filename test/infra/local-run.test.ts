/** `npm start --stack`: the local run gets exactly the bindings the plan deploys. */
import { describe, expect, it } from "vitest";
import { MCP_AGENT, RATE_LIMITER } from "../../worker/bindings.ts";
import { LocalRunError, localRunTarget, resolveLocalRun } from "../../infra/local-run.ts";
import { renderStack, renderFleet } from "../../scripts/lib/offline-plan.ts";
import { committedStackOptions } from "./authgent/stack-files.ts";
import { fleet } from "./support/fixtures.ts";

type Binding = { type: string; name: string; text?: string; className?: string; simple?: { limit: number; period: number } };

function scriptBindingsOf(resources: readonly { type: string; name: string; inputs: Record<string, unknown> }[], server: string): Binding[] {
  const script = resources.find((r) => r.type === "cloudflare:index/workersScript:WorkersScript" && r.name === `${server}-script`);
  return script?.inputs["bindings"] as Binding[];
}

describe("resolveLocalRun", () => {
  it.each(["staging", "production"])("gives the %s server the vars, Durable Object and rate limit its script deploys with", async (stack) => {
    const options = await committedStackOptions(stack);
    const target = await resolveLocalRun({ stack, ...options });
    const bindings = scriptBindingsOf((await renderStack(stack, options)).plan.resources, target.server);
    expect(target.vars).toEqual(Object.fromEntries(bindings.filter((b) => b.type === "plain_text").map((b) => [b.name, b.text])));
    const durableObject = bindings.find((b) => b.type === "durable_object_namespace");
    expect(target.durableObject).toEqual({ binding: durableObject?.name, className: durableObject?.className });
    expect(target.durableObject).toEqual({ binding: MCP_AGENT.binding, className: MCP_AGENT.className });
    const limiter = bindings.find((b) => b.type === "ratelimit");
    expect(target.rateLimit).toEqual({ binding: RATE_LIMITER.binding, limit: limiter?.simple?.limit, periodSeconds: limiter?.simple?.period });
  });

  it("picks one server of a fleet and lists its secrets without their values", async () => {
    const config = fleet(10);
    const server = config.servers.find((s) => s.name === "mcp-05");
    const target = localRunTarget("fleet", server!);
    expect(target.server).toBe("mcp-05");
    expect(target.vars.MCP_AUDIENCE).toBe("https://mcp-05.example.com");
    expect(target.secretNames).toEqual(["UPSTREAM_API_KEY"]);
    expect(JSON.stringify(target)).not.toContain("value-of-mcp-05");
    const bindings = scriptBindingsOf((await renderFleet(config)).plan.resources, "mcp-05");
    expect(bindings.filter((b) => b.type === "secret_text").map((b) => b.name)).toEqual(target.secretNames);
  });

  it("names the servers when --server is missing or unknown", async () => {
    await expect(resolveLocalRun({ stack: "staging", server: "nope" })).rejects.toThrow(new LocalRunError('stack staging has no server "nope"; its servers are: my-mcp-server-staging'));
  });
});
