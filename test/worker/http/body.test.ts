import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, readJsonBody, readTextCapped } from "../../../worker/http/body.ts";
import { BodyTooLargeError, UnsupportedMediaTypeError } from "../../../worker/http/errors.ts";
import { LATEST, MCP_URL, json, mcpRequest, mintToken, rpc, send } from "../mcp/support.ts";

/** A body stream with no declared length (chunked upload). */
function streamOf(totalBytes: number, chunkBytes = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      const size = Math.min(chunkBytes, totalBytes - sent);
      controller.enqueue(new Uint8Array(size).fill(0x20));
      sent += size;
    },
  });
}

describe("readJsonBody", () => {
  it("refuses a declared Content-Length over the cap without reading", async () => {
    const request = new Request(MCP_URL, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(MAX_BODY_BYTES + 1) },
      body: streamOf(10),
    });
    await expect(readJsonBody(request)).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it("counts a streamed body without Content-Length and stops at the cap", async () => {
    const request = new Request(MCP_URL, { method: "POST", headers: { "content-type": "application/json" }, body: streamOf(MAX_BODY_BYTES + 1) });
    expect(request.headers.get("content-length")).toBeNull();
    await expect(readJsonBody(request)).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it("reads a streamed body exactly at the cap", async () => {
    const request = new Request(MCP_URL, { method: "POST", headers: { "content-type": "application/json" }, body: streamOf(MAX_BODY_BYTES) });
    expect((await readJsonBody(request)).length).toBe(MAX_BODY_BYTES);
  });

  it("accepts application/json with parameters, in any case", async () => {
    for (const type of ["application/json; charset=utf-8", "Application/JSON"]) {
      const request = new Request(MCP_URL, { method: "POST", headers: { "content-type": type }, body: "{}" });
      expect(await readJsonBody(request)).toBe("{}");
    }
  });

  it("refuses other media types", async () => {
    for (const type of [null, "text/plain", "application/jsonx", "multipart/form-data"]) {
      const headers = new Headers();
      if (type) headers.set("content-type", type);
      const request = new Request(MCP_URL, { method: "POST", headers, body: "{}" });
      await expect(readJsonBody(request), String(type)).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
    }
  });
});

describe("readTextCapped (exported by the kit)", () => {
  it("reads a body up to the cap across chunks", async () => {
    expect(await readTextCapped(streamOf(10, 3), 10)).toBe(" ".repeat(10));
  });

  it("answers undefined one byte past the cap and cancels the stream", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(4)),
      cancel: () => void (cancelled = true),
    });
    expect(await readTextCapped(body, 7)).toBeUndefined();
    expect(cancelled).toBe(true);
  });

  it("rejects with an aborted signal's reason", async () => {
    const reason = new Error("deadline");
    await expect(readTextCapped(streamOf(10), 10, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});

describe("POST /mcp body checks", () => {
  it("answers an oversized body with 413 and a JSON-RPC error", async () => {
    const token = await mintToken();
    const big = JSON.stringify({ ...rpc("ping"), params: { pad: "x".repeat(MAX_BODY_BYTES) } });
    const response = await send(mcpRequest(big, { token, headers: { "mcp-protocol-version": LATEST } }));
    expect(response.status).toBe(413);
    const body = await json(response);
    expect(body.id).toBeNull();
    expect(JSON.stringify(body.error)).toContain(String(MAX_BODY_BYTES));
  });

  it("answers a non-JSON Content-Type with 415", async () => {
    const token = await mintToken();
    const response = await send(mcpRequest(rpc("ping"), { token, headers: { "content-type": "text/plain" } }));
    expect(response.status).toBe(415);
  });
});
