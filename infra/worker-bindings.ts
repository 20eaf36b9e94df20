/**
 * A server's Cloudflare bindings, built only from `worker/bindings.ts` (names,
 * Durable Object class, rate limiter) and the server's resolved config.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { MCP_AGENT, RATE_LIMITER, WORKER_VARS, type WorkerVarName } from "../worker/bindings.ts";
import type { ServerConfig } from "./config.ts";

export type ScriptBinding = cloudflare.types.input.WorkersScriptBinding;

/**
 * Vars first (in `WORKER_VARS` order), then the Durable Object, the rate
 * limiter and the secrets (sorted): a stable order keeps previews quiet.
 * Empty vars are left out; the worker applies the same default either way.
 */
export function scriptBindings(server: ServerConfig): ScriptBinding[] {
  const vars: ScriptBinding[] = (Object.keys(WORKER_VARS) as WorkerVarName[])
    .filter((name) => server.vars[name] !== "")
    .map((name) => ({ type: "plain_text", name, text: server.vars[name] }));
  const durableObject: ScriptBinding = { type: "durable_object_namespace", name: MCP_AGENT.binding, className: MCP_AGENT.className };
  const rateLimiter: ScriptBinding = {
    type: "ratelimit",
    name: RATE_LIMITER.binding,
    namespaceId: server.rateLimit.namespaceId,
    simple: { limit: server.rateLimit.limit, period: server.rateLimit.periodSeconds },
  };
  // Each value becomes a Pulumi secret at the moment it leaves SecretValue.
  const secrets: ScriptBinding[] = [...server.secrets].map(([name, value]) => ({ type: "secret_text", name, text: pulumi.secret(value.reveal()) }));
  return [...vars, durableObject, rateLimiter, ...secrets];
}
