/**
 * A client that disconnects mid-upload: workerd ends the request body stream
 * with an error ("Network connection lost"). That is the client's doing, so it
 * is a 400 logged at info level, never a 500 or an error-level log.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { readJsonBody } from "../../../worker/http/body.ts";
import { BodyIncompleteError } from "../../../worker/http/errors.ts";
import { LATEST, MCP_URL, json, mintToken, sendWithEnv } from "../mcp/support.ts";

/**
 * A body whose stream breaks the way workerd's does when the client goes away
 * before sending what it declared. (Breaking it after a first chunk makes
 * workerd's Request-from-JS-stream pump report its own copy of the error as an
 * unhandled rejection, which a runtime-owned request body does not.)
 */
function brokenBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      controller.error(new Error("Network connection lost."));
    },
  });
}

function postWith(body: ReadableStream<Uint8Array>, headers: Record<string, string>): Request {
  return new Request(MCP_URL, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

afterEach(() => vi.restoreAllMocks());

describe("a request body cut off mid-upload", () => {
  it("is a BodyIncompleteError with a declared Content-Length", async () => {
    const request = postWith(brokenBody(), { "content-length": "100" });
    await expect(readJsonBody(request)).rejects.toBeInstanceOf(BodyIncompleteError);
  });

  it("is a BodyIncompleteError when streamed without a length", async () => {
    await expect(readJsonBody(postWith(brokenBody(), {}))).rejects.toBeInstanceOf(BodyIncompleteError);
  });

  it("answers 400 through the worker and logs nothing at error level", async () => {
    const errors = vi.spyOn(console, "error");
    const token = await mintToken();
    const request = postWith(brokenBody(), {
      authorization: `Bearer ${token}`,
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": LATEST,
      "content-length": "500",
    });
    const response = await sendWithEnv(request, {});
    expect(response.status).toBe(400);
    expect(JSON.stringify((await json(response)).error)).toContain("request body incomplete");
    expect(errors).not.toHaveBeenCalled();
  });
});
