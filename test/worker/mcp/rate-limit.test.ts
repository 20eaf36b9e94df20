import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RATE_LIMITER } from "../../../worker/bindings.ts";
import { withinOneWindow } from "../../support/within-one-window.ts";
import { TEST_LOW_RATE_LIMITER } from "../../support/worker-pool-options.ts";
import { LATEST, mcpRequest, mintToken, rpc, sendWithEnv } from "./support.ts";

const tool = (token: string, name: string, args: Record<string, unknown> = {}) =>
  mcpRequest(rpc("tools/call", { name, arguments: args }), { token, headers: { "mcp-protocol-version": LATEST } });

describe("exact per-user limit in the Durable Object (state-touching calls)", () => {
  it("answers the call over RATE_LIMIT_PER_MINUTE with 429 and Retry-After", async () => {
    const vars = { RATE_LIMIT_PER_MINUTE: "2" };
    const statuses = await withinOneWindow(async () => {
      const token = await mintToken();
      const out: Response[] = [];
      out.push(await sendWithEnv(tool(token, "write_data", { key: "k", value: "v" }), vars));
      out.push(await sendWithEnv(tool(token, "get_data"), vars));
      out.push(await sendWithEnv(tool(token, "get_data"), vars));
      return out;
    });
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    const limited = statuses[2];
    const retryAfter = Number(limited?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited?.json()).toMatchObject({ error: "rate_limited" });
  });

  it("counts initialize (it creates a session)", async () => {
    const vars = { RATE_LIMIT_PER_MINUTE: "1" };
    const statuses = await withinOneWindow(async () => {
      const token = await mintToken();
      const init = () => mcpRequest(rpc("initialize", { protocolVersion: LATEST, capabilities: {}, clientInfo: { name: "t", version: "1" } }), { token });
      return [(await sendWithEnv(init(), vars)).status, (await sendWithEnv(init(), vars)).status];
    });
    expect(statuses).toEqual([200, 429]);
  });

  it("never consults the Durable Object for stateless calls (hello, tools/list, ping)", async () => {
    // No edge limiter and a per-user limit of 1: only the object could refuse.
    const vars = { RATE_LIMIT_PER_MINUTE: "1", MCP_RATE_LIMITER: undefined };
    const token = await mintToken();
    for (let i = 0; i < 5; i++) {
      expect((await sendWithEnv(tool(token, "hello", { name: "x" }), vars)).status).toBe(200);
      expect((await sendWithEnv(mcpRequest(rpc("tools/list"), { token }), vars)).status).toBe(200);
      expect((await sendWithEnv(mcpRequest(rpc("ping"), { token }), vars)).status).toBe(200);
    }
  });
});

describe("edge rate limiter (rate-limiting binding) on every authenticated call", () => {
  const lowLimiter = () => ({ MCP_RATE_LIMITER: Reflect.get(env, TEST_LOW_RATE_LIMITER.binding) as RateLimit });

  it("answers the call over the binding's limit with 429 and Retry-After when the binding's window ends", async () => {
    const { responses, sentAt } = await withinOneWindow(async () => {
      const token = await mintToken();
      const out: Response[] = [];
      for (let i = 0; i < TEST_LOW_RATE_LIMITER.limit; i++) out.push(await sendWithEnv(tool(token, "hello", { name: "x" }), lowLimiter()));
      const at = Date.now();
      out.push(await sendWithEnv(tool(token, "hello", { name: "x" }), lowLimiter()));
      return { responses: out, sentAt: at };
    });
    expect(responses.map((r) => r.status)).toEqual([...Array(TEST_LOW_RATE_LIMITER.limit).fill(200), 429]);
    // The binding counts in epoch-aligned windows of its period, so the refused
    // caller can retry when this one ends (not a fixed "60" from any moment).
    const periodMs = RATE_LIMITER.periodSeconds * 1000;
    const untilWindowEnd = Math.ceil((periodMs - (sentAt % periodMs)) / 1000);
    expect(Number(responses.at(-1)?.headers.get("retry-after"))).toBe(Math.max(1, untilWindowEnd));
  });

  it("keys the limit by user", async () => {
    const statuses = await withinOneWindow(async () => {
      const a = await mintToken();
      const b = await mintToken();
      for (let i = 0; i < TEST_LOW_RATE_LIMITER.limit; i++) await sendWithEnv(tool(a, "hello", { name: "x" }), lowLimiter());
      return [(await sendWithEnv(tool(a, "hello", { name: "x" }), lowLimiter())).status, (await sendWithEnv(tool(b, "hello", { name: "x" }), lowLimiter())).status];
    });
    expect(statuses).toEqual([429, 200]);
  });
});
