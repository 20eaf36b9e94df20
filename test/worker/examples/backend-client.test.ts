/**
 * The backend-caller example's client (examples/backend-caller/backend-client.ts)
 * inside workerd, with a fake service binding: what it sends, its deadline,
 * and that a failure carries a reason and a status, never the backend's body.
 */
import { describe, expect, it } from "vitest";
import { BACKEND_TIMEOUT_RANGE, callBackend, DEFAULT_BACKEND_TIMEOUT_MS, failureMessage, parseTimeout } from "../../../examples/backend-caller/backend-client.ts";

const TOKEN = "unit-test-token-5c1f";

function fetcher(answer: (request: Request) => Promise<Response> | Response): Fetcher & { seen: Request[] } {
  const seen: Request[] = [];
  return {
    seen,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push(request);
      return answer(request);
    },
    connect: () => {
      throw new Error("not used");
    },
  } as unknown as Fetcher & { seen: Request[] };
}

describe("parseTimeout", () => {
  it("defaults an empty value, accepts whole milliseconds in range, refuses the rest", () => {
    expect(parseTimeout(undefined)).toBe(DEFAULT_BACKEND_TIMEOUT_MS);
    expect(parseTimeout(" ")).toBe(DEFAULT_BACKEND_TIMEOUT_MS);
    expect(parseTimeout(String(BACKEND_TIMEOUT_RANGE.min))).toBe(BACKEND_TIMEOUT_RANGE.min);
    expect(parseTimeout(String(BACKEND_TIMEOUT_RANGE.max))).toBe(BACKEND_TIMEOUT_RANGE.max);
    for (const bad of ["99", "30001", "1.5", "-1", "5s", "1e3"]) expect(parseTimeout(bad), bad).toBeUndefined();
  });
});

describe("callBackend", () => {
  it("sends the token as Bearer, the caller's sub and JSON, and parses a JSON answer", async () => {
    const backend = fetcher(() => Response.json({ ok: 1 }));
    const result = await callBackend({ fetcher: backend, token: TOKEN, timeoutMs: "" }, { method: "POST", path: "/v1/tickets", json: { title: "t" }, subject: "user-1" });
    expect(result).toEqual({ ok: true, status: 200, body: { ok: 1 } });
    const [request] = backend.seen;
    expect(request?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers.get("x-authgent-subject")).toBe("user-1");
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(await request?.json()).toEqual({ title: "t" });
  });

  it("gives up at the deadline on a backend that never answers", async () => {
    const backend = fetcher((request) => new Promise<Response>((_resolve, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason))));
    const started = Date.now();
    const result = await callBackend({ fetcher: backend, token: TOKEN, timeoutMs: "150" }, { method: "GET", path: "/v1/people/x", subject: "u" });
    expect(result).toEqual({ ok: false, reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("does not call the backend without a token, or with a malformed timeout", async () => {
    const backend = fetcher(() => Response.json({}));
    expect(await callBackend({ fetcher: backend, token: "", timeoutMs: "" }, { method: "GET", path: "/", subject: "u" })).toEqual({ ok: false, reason: "not_configured" });
    expect(await callBackend({ fetcher: backend, token: TOKEN, timeoutMs: "fast" }, { method: "GET", path: "/", subject: "u" })).toEqual({ ok: false, reason: "not_configured" });
    expect(backend.seen).toHaveLength(0);
  });

  it.each([
    [401, "unauthorized"],
    [403, "unauthorized"],
    [404, "not_found"],
    [502, "unavailable"],
    [409, "bad_response"],
  ] as const)("reduces HTTP %i to %s, with no trace of a body that echoes the token", async (status, reason) => {
    const backend = fetcher(() => new Response(`you sent Bearer ${TOKEN}`, { status }));
    const result = await callBackend({ fetcher: backend, token: TOKEN, timeoutMs: "" }, { method: "GET", path: "/v1/people/x", subject: "u" });
    expect(result).toEqual({ ok: false, reason, status });
    expect(result.ok ? "" : failureMessage(result, "look up")).not.toContain(TOKEN);
  });

  it("refuses an answer over 64 KiB and one that is not JSON", async () => {
    const huge = fetcher(() => new Response(JSON.stringify({ x: "y".repeat(70 * 1024) })));
    expect(await callBackend({ fetcher: huge, token: TOKEN, timeoutMs: "" }, { method: "GET", path: "/", subject: "u" })).toEqual({ ok: false, reason: "bad_response", status: 200 });
    const html = fetcher(() => new Response("<html></html>"));
    expect(await callBackend({ fetcher: html, token: TOKEN, timeoutMs: "" }, { method: "GET", path: "/", subject: "u" })).toEqual({ ok: false, reason: "bad_response", status: 200 });
  });

  it("reports a binding that throws (the backend unreachable) as unavailable", async () => {
    const broken = fetcher(() => {
      throw new Error(`connection refused for ${TOKEN}`);
    });
    expect(await callBackend({ fetcher: broken, token: TOKEN, timeoutMs: "" }, { method: "GET", path: "/", subject: "u" })).toEqual({ ok: false, reason: "unavailable" });
  });
});
