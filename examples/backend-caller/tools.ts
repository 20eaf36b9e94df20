/**
 * The backend-caller's tools: each one request to the team's backend through
 * the `BACKEND` service binding. Arguments are declared in plain JSON Schema
 * (the notes example shows zod).
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { structuredResult, toolError, toolFor, type ToolContext } from "../../worker/kit/index.ts";
import { callBackend, failureMessage, type BackendFailure, type BackendRequest, type BackendSuccess } from "./backend-client.ts";
import type { BackendCallerEnv } from "./env.ts";
import { manifest } from "./manifest.ts";

/** `tool` whose handlers see the manifest's bindings (`EnvOf<typeof manifest>`). */
const backendTool = toolFor(manifest);

export const BACKEND_SCOPES = { read: "backend:read", write: "backend:write" } as const;

/** Backend ids: lower-case letters, digits and dashes, so they are safe in a path and a log line. */
const ID_PATTERN = "^[a-z0-9][a-z0-9-]{0,63}$";

/** The backend's answer, or the tool error the model reads instead. */
type Outcome = BackendSuccess | { readonly ok: false; readonly error: CallToolResult };

async function request(context: ToolContext<BackendCallerEnv>, what: string, call: Omit<BackendRequest, "subject" | "signal">): Promise<Outcome> {
  const { env } = context;
  const result = await callBackend(
    { fetcher: env.BACKEND, token: env.BACKEND_TOKEN, timeoutMs: env.BACKEND_TIMEOUT_MS },
    { ...call, subject: context.principal.subject, signal: context.signal },
  );
  if (!result.ok) logFailure(call, result);
  return result.ok ? result : { ok: false, error: toolError(failureMessage(result, what)) };
}

/** Operators see which call failed and why; never a body or a header. */
function logFailure(call: Pick<BackendRequest, "method" | "path">, failure: BackendFailure): void {
  console.warn(`backend ${call.method} ${call.path} failed: ${failure.reason}${failure.status ? ` (HTTP ${failure.status})` : ""}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const lookupPerson = backendTool({
  name: "lookup_person",
  description: "Look up a colleague in the team directory by id (e.g. ada): name, team and email.",
  inputSchema: {
    type: "object",
    properties: { id: { type: "string", description: "Directory id, lower-case", pattern: ID_PATTERN, maxLength: 64 } },
    required: ["id"],
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      person: {
        type: "object",
        properties: { id: { type: "string" }, name: { type: "string" }, team: { type: "string" }, email: { type: "string" } },
        required: ["id", "name", "team", "email"],
      },
    },
    required: ["person"],
  },
  scope: BACKEND_SCOPES.read,
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async ({ id }, context) => {
    const result = await request(context, `look up "${id}"`, { method: "GET", path: `/v1/people/${encodeURIComponent(id)}` });
    if (!result.ok) return result.error;
    const person = isRecord(result.body) ? result.body.person : undefined;
    if (!isRecord(person) || typeof person.name !== "string" || typeof person.team !== "string" || typeof person.email !== "string") {
      logFailure({ method: "GET", path: "/v1/people/:id" }, { ok: false, reason: "bad_response", status: result.status });
      return toolError(failureMessage({ ok: false, reason: "bad_response", status: result.status }, `look up "${id}"`));
    }
    return structuredResult({ person: { id, name: person.name, team: person.team, email: person.email } });
  },
});

export const openTicket = backendTool({
  name: "open_ticket",
  description: "Open a ticket with the team: a short title and a description. Returns the ticket id.",
  inputSchema: {
    type: "object",
    properties: {
      title: { type: "string", minLength: 1, maxLength: 120 },
      description: { type: "string", maxLength: 4000 },
    },
    required: ["title", "description"],
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: { ticket: { type: "object", properties: { id: { type: "string" }, title: { type: "string" } }, required: ["id", "title"] } },
    required: ["ticket"],
  },
  scope: BACKEND_SCOPES.write,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handler: async ({ title, description }, context) => {
    const result = await request(context, "open the ticket", { method: "POST", path: "/v1/tickets", json: { title, description } });
    if (!result.ok) return result.error;
    const ticket = isRecord(result.body) ? result.body.ticket : undefined;
    if (!isRecord(ticket) || typeof ticket.id !== "string") {
      logFailure({ method: "POST", path: "/v1/tickets" }, { ok: false, reason: "bad_response", status: result.status });
      return toolError(failureMessage({ ok: false, reason: "bad_response", status: result.status }, "open the ticket"));
    }
    return structuredResult({ ticket: { id: ticket.id, title } });
  },
});

export const BACKEND_TOOLS = [lookupPerson, openTicket];
