import { JSONRPCErrorResponseSchema, JSONRPCResultResponseSchema } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidMessageError } from "../../../worker/mcp/errors.ts";
import { parseMessage } from "../../../worker/mcp/jsonrpc.ts";
import { json, LATEST, mcpRequest, mintToken, rpc, send } from "./support.ts";

let token: string;
beforeAll(async () => {
  token = await mintToken();
});

const post = (body: unknown, headers: Record<string, string | null> = {}) =>
  send(mcpRequest(body, { token, headers: { "mcp-protocol-version": LATEST, ...headers } }));

/**
 * A 4xx transport error with a JSON-RPC error body; its id is the request's
 * when readable, else null (JSON-RPC 2.0 §5).
 */
async function expectTransportError(response: Response, status: number, code: number, id: string | number | null = null): Promise<void> {
  expect(response.status).toBe(status);
  const body = await json(response);
  expect(body.id).toBe(id);
  expect(body.jsonrpc).toBe("2.0");
  expect((body.error as { code: number }).code).toBe(code);
  expect(typeof (body.error as { message: string }).message).toBe("string");
}

describe("JSON-RPC over POST /mcp", () => {
  it("answers unparseable JSON with 400 and -32700", async () => {
    await expectTransportError(await post("{ not json"), 400, -32700);
  });

  it("rejects a batch (array body) with 400 and -32600", async () => {
    await expectTransportError(await post([rpc("ping"), rpc("ping")]), 400, -32600);
  });

  it("rejects an empty batch the same way", async () => {
    await expectTransportError(await post([]), 400, -32600);
  });

  it("rejects a message without jsonrpc 2.0 with -32600", async () => {
    await expectTransportError(await post({ id: 1, method: "ping" }), 400, -32600, 1);
    await expectTransportError(await post({ jsonrpc: "1.0", id: 1, method: "ping" }), 400, -32600, 1);
  });

  it("rejects non-object messages, null ids and non-string methods with -32600", async () => {
    await expectTransportError(await post("42"), 400, -32600);
    await expectTransportError(await post("null"), 400, -32600);
    await expectTransportError(await post({ jsonrpc: "2.0", id: null, method: "ping" }), 400, -32600);
    await expectTransportError(await post({ jsonrpc: "2.0", id: 1, method: 7 }), 400, -32600, 1);
    await expectTransportError(await post({ jsonrpc: "2.0", id: 1, method: "ping", params: "x" }), 400, -32600, 1);
    await expectTransportError(await post({ jsonrpc: "2.0", id: 1 }), 400, -32600, 1);
  });

  it("answers an unknown method with -32601 and the request's id", async () => {
    const response = await post(rpc("bogus/method", {}, "req-7"));
    expect(response.status).toBe(200);
    const body = JSONRPCErrorResponseSchema.parse(await response.json());
    expect(body.id).toBe("req-7");
    expect(body.error.code).toBe(-32601);
  });

  it("answers ping with an empty result, echoing a numeric id", async () => {
    const response = await post(rpc("ping", undefined, 41));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = JSONRPCResultResponseSchema.parse(await response.json());
    expect(body).toEqual({ jsonrpc: "2.0", id: 41, result: {} });
  });

  it("accepts notifications with 202 and no body", async () => {
    const response = await post({ jsonrpc: "2.0", method: "notifications/initialized" });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
  });

  it("accepts unknown notifications and client responses with 202", async () => {
    const notification = await post({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } });
    expect(notification.status).toBe(202);
    const result = await post({ jsonrpc: "2.0", id: "srv-1", result: {} });
    expect(result.status).toBe(202);
    const error = await post({ jsonrpc: "2.0", id: "srv-2", error: { code: -1, message: "no" } });
    expect(error.status).toBe(202);
  });

  it("serves JSON to a client whose Accept names only text/event-stream, or nothing", async () => {
    for (const accept of ["text/event-stream", null]) {
      const response = await post(rpc("ping"), { accept });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
    }
  });
});

describe("parseMessage", () => {
  it("classifies requests, notifications and responses", () => {
    expect(parseMessage('{"jsonrpc":"2.0","id":"a","method":"ping"}')).toEqual({ kind: "request", id: "a", method: "ping", params: undefined });
    expect(parseMessage('{"jsonrpc":"2.0","method":"notifications/initialized"}')).toMatchObject({ kind: "notification" });
    expect(parseMessage('{"jsonrpc":"2.0","id":3,"result":{}}')).toMatchObject({ kind: "response" });
  });

  it("keeps the id of an invalid request when it can be read", () => {
    const error = (() => {
      try {
        parseMessage('{"jsonrpc":"1.0","id":"keep","method":"ping"}');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as InvalidMessageError).id).toBe("keep");
  });

  it("rejects a response carrying both result and error", () => {
    expect(() => parseMessage('{"jsonrpc":"2.0","id":3,"result":{},"error":{"code":1,"message":"x"}}')).toThrow(InvalidMessageError);
  });
});
