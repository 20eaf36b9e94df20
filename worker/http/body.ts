import { BodyIncompleteError, BodyTooLargeError, UnsupportedMediaTypeError } from "./errors.ts";

/**
 * Largest accepted request body, bytes (1 MiB). MCP requests to this server
 * are small JSON documents; the cap bounds memory and CPU per request.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON request body as text, enforcing the media type (RFC 9110
 * §15.5.16 → 415) and the size cap (RFC 9110 §15.5.14 → 413). The cap holds
 * whether or not the client declares `Content-Length`: a declared length over
 * the cap is refused unread, and a streamed body is counted as it arrives.
 * Only call this after authentication, so anonymous clients cannot make the
 * worker read bodies.
 */
export async function readJsonBody(request: Request, limitBytes: number = MAX_BODY_BYTES): Promise<string> {
  if (!isJsonMediaType(request.headers.get("content-type"))) throw new UnsupportedMediaTypeError();
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limitBytes) throw new BodyTooLargeError(limitBytes);
  if (request.body === null) return "";
  // With a declared length within the cap the runtime already enforces the
  // framing, so the cheap path is safe; otherwise count every chunk.
  try {
    if (declared !== null) return await request.text();
    const text = await readTextCapped(request.body, limitBytes);
    if (text === undefined) throw new BodyTooLargeError(limitBytes);
    return text;
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw err;
    // Reading a request body fails only when its stream breaks: in workerd the
    // client disconnected mid-body ("Network connection lost"). No TypeError
    // from our own code can reach here, so every such failure is the client's.
    throw new BodyIncompleteError({ cause: err });
  }
}

function isJsonMediaType(header: string | null): boolean {
  if (header === null) return false;
  const mediaType = header.split(";", 1)[0]?.trim().toLowerCase();
  return mediaType === "application/json";
}

/**
 * A stream read to its end as UTF-8 text, or undefined as soon as it passes
 * `limitBytes`: the stream is then cancelled, so no more than the cap plus one
 * chunk is ever buffered, whatever length the sender declared or omitted. With
 * a `signal`, an abort between chunks cancels the stream and rejects with the
 * signal's reason. The kit exports it for servers that read a backend's
 * response (examples/backend-caller).
 */
export async function readTextCapped(body: ReadableStream<Uint8Array>, limitBytes: number, signal?: AbortSignal): Promise<string | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw signal.reason;
    }
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
