/**
 * A stand-in for a team's backend, for local runs and tests: a plain Worker
 * (no kit) that `npm start -- --stack example --server backend-mcp --service
 * BACKEND=examples/backend-caller/demo-backend.ts` binds as `BACKEND`; it gets
 * the server's local `BACKEND_TOKEN`. It refuses any request without `Authorization: Bearer
 * <BACKEND_TOKEN>` (RFC 6750 §3.1 invalid_token), serves a small directory at
 * `GET /v1/people/<id>` and accepts `POST /v1/tickets`.
 */

export interface DemoBackendEnv {
  /** The token callers must present. Unset: every request is refused (fail closed). */
  readonly BACKEND_TOKEN?: string;
}

const PEOPLE: Readonly<Record<string, { name: string; team: string; email: string }>> = {
  ada: { name: "Ada Lovelace", team: "Analytical Engines", email: "ada@example.com" },
  grace: { name: "Grace Hopper", team: "Compilers", email: "grace@example.com" },
  alan: { name: "Alan Turing", team: "Codebreaking", email: "alan@example.com" },
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
function sameToken(presented: string, expected: string): boolean {
  const a = new TextEncoder().encode(presented);
  const b = new TextEncoder().encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

function authorized(request: Request, env: DemoBackendEnv): boolean {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(header);
  return env.BACKEND_TOKEN !== undefined && env.BACKEND_TOKEN !== "" && match?.[1] !== undefined && sameToken(match[1], env.BACKEND_TOKEN);
}

let nextTicket = 1;

export default {
  async fetch(request: Request, env: DemoBackendEnv): Promise<Response> {
    if (!authorized(request, env)) {
      return json(401, { error: "invalid_token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    }
    const url = new URL(request.url);
    const person = /^\/v1\/people\/([a-z0-9-]{1,64})$/.exec(url.pathname);
    if (person && request.method === "GET") {
      const id = person[1] ?? "";
      const found = PEOPLE[id];
      return found ? json(200, { person: { id, ...found } }) : json(404, { error: "not_found" });
    }
    if (url.pathname === "/v1/tickets" && request.method === "POST") {
      const body = (await request.json().catch(() => null)) as { title?: unknown } | null;
      if (typeof body?.title !== "string" || body.title === "") return json(400, { error: "title is required" });
      const id = `T-${nextTicket++}`;
      return json(201, { ticket: { id, title: body.title, requestedBy: request.headers.get("x-authgent-subject") } });
    }
    return json(404, { error: "not_found" });
  },
} satisfies ExportedHandler<DemoBackendEnv>;
