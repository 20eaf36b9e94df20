/**
 * The local issuer's admin API (scripts/lib/issuer-admin-guard.ts): only a
 * process that knows this run's secret, on the loopback address, without a
 * browser's Origin; bad input is a 400 naming the field, never a 500.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_SECRET_HEADER, startLocalIssuer, type LocalIssuer } from "../../scripts/lib/local-issuer.ts";

let issuer: LocalIssuer;
beforeAll(async () => {
  issuer = await startLocalIssuer();
});
afterAll(() => issuer.close());

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A raw request, so Host and Origin are exactly what a test says (fetch would not let it set Host). */
function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const { port } = new URL(issuer.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "POST", headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const good = (): Record<string, string> => ({ "content-type": "application/json", [ADMIN_SECRET_HEADER]: issuer.adminSecret ?? "" });

describe("local issuer admin API access", () => {
  it("mints with this run's secret", async () => {
    const answer = await send("/__admin/mint", { headers: good(), body: JSON.stringify({ audience: "https://mcp.example" }) });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toHaveProperty("token");
  });

  it("refuses a request without the secret, or with another one", async () => {
    for (const secret of [undefined, "not-the-secret"]) {
      const headers: Record<string, string> = { "content-type": "application/json", ...(secret ? { [ADMIN_SECRET_HEADER]: secret } : {}) };
      const answer = await send("/__admin/mint", { headers, body: "{}" });
      expect(answer.status).toBe(403);
      expect(answer.body).not.toContain("token\":\"ey");
    }
  });

  it("refuses a foreign Host (DNS rebinding)", async () => {
    const answer = await send("/__admin/mint", { headers: { ...good(), host: `evil.example:${new URL(issuer.origin).port}` }, body: "{}" });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("Host");
  });

  it("refuses anything a browser sends (an Origin header), even same-site", async () => {
    const answer = await send("/__admin/mode", { headers: { ...good(), origin: issuer.origin }, body: JSON.stringify({ mode: "down" }) });
    expect(answer.status).toBe(403);
    // The dev tenant is still up.
    expect((await fetch(`${issuer.issuer}/.well-known/jwks.json`)).status).toBe(200);
  });

  it("refuses a text/plain POST (what a cross-site form can send) with 415", async () => {
    const answer = await send("/__admin/mode", { headers: { ...good(), "content-type": "text/plain" }, body: JSON.stringify({ mode: "down" }) });
    expect(answer.status).toBe(415);
  });

  it("is absent when the issuer runs without it (npm start)", async () => {
    const quiet = await startLocalIssuer({ admin: false });
    try {
      expect(quiet.adminSecret).toBeUndefined();
      expect((await fetch(`${quiet.origin}/__admin/mint`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(404);
    } finally {
      await quiet.close();
    }
  });
});

describe("local issuer admin API input", () => {
  it.each([
    ["malformed JSON", "/__admin/mint", "{not json", "not valid JSON"],
    ["a JSON array", "/__admin/mint", "[]", "JSON object"],
    ["a number where a string belongs", "/__admin/mint", JSON.stringify({ issuer: 7 }), '"issuer" must be a string'],
    ["an unknown algorithm", "/__admin/tenant", JSON.stringify({ alg: "HS256" }), '"alg" must be one of ES256, RS256, EdDSA'],
    ["an unknown JWKS mode", "/__admin/mode", JSON.stringify({ mode: "sideways" }), '"mode" must be one of'],
    ["an audience of the wrong type", "/__admin/mint", JSON.stringify({ audience: { a: 1 } }), '"audience" must be a string'],
    ["a tenant id with a slash", "/__admin/tenant", JSON.stringify({ id: "../x" }), "tenant id"],
  ])("answers %s with 400 naming the problem", async (_label, path, body, message) => {
    const answer = await send(path, { headers: good(), body });
    expect(answer.status).toBe(400);
    expect((JSON.parse(answer.body) as { error: string }).error).toContain(message);
  });

  it("answers an unknown tenant with 404 and a duplicate one with 409", async () => {
    expect((await send("/__admin/mint", { headers: good(), body: JSON.stringify({ issuer: "nobody" }) })).status).toBe(404);
    expect((await send("/__admin/tenant", { headers: good(), body: JSON.stringify({ id: "dev" }) })).status).toBe(409);
  });
});
