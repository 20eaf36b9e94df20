/** The bindings list comes only from worker/bindings.ts and the resolved server. */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { MCP_AGENT, RATE_LIMITER, WORKER_VARS } from "../../worker/bindings.ts";
import { scriptBindings } from "../../infra/worker-bindings.ts";
import { fleet } from "./support/fixtures.ts";

describe("scriptBindings", () => {
  const server = fleet(6).servers.find((s) => s.name === "mcp-05")!;
  const bindings = scriptBindings(server);

  it("wraps every secret value in a Pulumi secret", async () => {
    const secrets = bindings.filter((b) => b.type === "secret_text");
    expect(secrets.map((b) => b.name)).toEqual(["UPSTREAM_API_KEY"]);
    for (const binding of secrets) {
      expect(pulumi.Output.isInstance(binding.text)).toBe(true);
      expect(await pulumi.isSecret(binding.text as pulumi.Output<string>)).toBe(true);
    }
  });

  it("binds every non-empty worker var, the Durable Object and the rate limiter by their declared names", () => {
    const names = bindings.map((b) => b.name);
    const declaredVars = Object.keys(WORKER_VARS).filter((name) => name !== "ALLOWED_ORIGINS");
    expect(names).toEqual([...declaredVars, MCP_AGENT.binding, RATE_LIMITER.binding, "UPSTREAM_API_KEY"]);
    expect(bindings.filter((b) => b.type === "plain_text").every((b) => typeof b.text === "string")).toBe(true);
  });
});
