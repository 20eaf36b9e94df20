/**
 * The HTTP/1.1 front that local runs put before workerd, standing in for what
 * Cloudflare's edge does before a production Worker runs: parse the request
 * framing and answer broken framing itself, and keep clients that leave from
 * reaching the Worker as errors.
 *
 * Why it exists: workerd's own HTTP server reads `Content-Length` only when the
 * Worker reads the body, and an invalid value (`-1`, `abc`, `1e3`) then fails
 * inside the runtime as "Uncaught exception ... invalid Content-Length header
 * value" with a plain-text 500 and a stack trace on stderr. RFC 9112 §6.3 (5)
 * makes that message framing invalid: the server MUST answer 400 and close the
 * connection. Node's parser (llhttp) rejects such requests before any handler
 * runs, so here they get that 400 and the Worker never sees them.
 *
 * A request body is read completely before it is forwarded (up to
 * `bufferLimitBytes`; past that it is streamed, and the Worker's own size cap
 * answers 413). A client that disconnects mid-body is therefore dropped here,
 * quietly, as a client error. Responses are always read to the end from
 * workerd, even when the client has gone, so workerd never writes into a
 * closed socket ("Broken pipe" on its stderr).
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FrontDoorOptions {
  /** Origin of workerd's own socket, e.g. `http://127.0.0.1:41234`. */
  readonly upstream: URL;
  /** Interface to listen on. */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /**
   * Bytes of a request body buffered before forwarding starts. Above it the
   * body streams through, so an oversized body still reaches the Worker's 413.
   * @default 1 MiB + 1 byte (one more than the Worker accepts)
   */
  readonly bufferLimitBytes?: number;
}

export interface FrontDoor {
  /** `http://<host>:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024 + 1;

/**
 * The answer to a request whose framing Node's parser refused, or `undefined`
 * when there is nobody left to answer (the client reset the connection).
 * RFC 9112 §6.3: invalid framing → 400 and close; RFC 6585 §5: 431 for headers too large.
 */
export function framingErrorResponse(code: string | undefined): string | undefined {
  if (code === "ECONNRESET" || code === "EPIPE") return undefined;
  const [status, reason] = code === "HPE_HEADER_OVERFLOW" ? [431, "Request Header Fields Too Large"] : [400, "Bad Request"];
  const body = JSON.stringify({ error: "invalid_request", error_description: "malformed HTTP request" });
  return [
    `HTTP/1.1 ${status} ${reason}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const agent = new Agent({ keepAlive: true });
  const limit = options.bufferLimitBytes ?? DEFAULT_BUFFER_LIMIT_BYTES;
  const server: Server = createServer((req, res) => forward(req, res, options.upstream, agent, limit));
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    const answer = framingErrorResponse(err.code);
    if (answer !== undefined && socket.writable) socket.end(answer);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, agent: Agent, limit: number): void {
  const chunks: Buffer[] = [];
  let buffered = 0;
  let upstreamReq: ReturnType<typeof httpRequest> | undefined;

  const start = (body?: Buffer): ReturnType<typeof httpRequest> => {
    const out = httpRequest(
      { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardedHeaders(req, body) },
      (upstreamRes) => {
        if (res.destroyed) {
          // Nobody to answer: still read workerd's response to its end.
          upstreamRes.resume();
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.rawHeaders);
        upstreamRes.pipe(res);
        res.once("close", () => {
          if (!upstreamRes.complete) upstreamRes.resume();
        });
      },
    );
    out.on("error", () => {
      // workerd went away (e.g. during dispose): the client gets 502, nothing is logged.
      if (!res.headersSent && !res.destroyed) res.writeHead(502, { "content-type": "application/json" }).end('{"error":"upstream_unavailable"}');
      else res.destroy();
    });
    return out;
  };

  req.on("data", (chunk: Buffer) => {
    if (upstreamReq) return void upstreamReq.write(chunk);
    chunks.push(chunk);
    buffered += chunk.byteLength;
    if (buffered > limit) {
      // Too big to hold: stream the rest, the Worker refuses it with 413 after `limit` bytes.
      upstreamReq = start();
      for (const c of chunks.splice(0)) upstreamReq.write(c);
    }
  });
  req.on("end", () => {
    if (upstreamReq) return void upstreamReq.end();
    const body = Buffer.concat(chunks);
    upstreamReq = start(body);
    upstreamReq.end(body);
  });
  // RFC 9110 §9.3.3 leaves an incomplete request unanswerable: a client that
  // left mid-body is dropped here, as a client error, without reaching the Worker
  // (or, if streaming had begun, the Worker's body read ends in a client error).
  req.on("aborted", () => upstreamReq?.destroy());
  req.on("error", () => upstreamReq?.destroy());
}

/** RFC 9110 §7.6.1: hop-by-hop fields describe the client's connection, not workerd's. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

/** The client's header fields for workerd; a fully read body is sent with its exact length. */
function forwardedHeaders(req: IncomingMessage, body: Buffer | undefined): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  if (body !== undefined && (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined)) {
    headers["content-length"] = String(body.byteLength);
  } else if (body === undefined && req.headers["transfer-encoding"] !== undefined) {
    headers["transfer-encoding"] = "chunked";
  }
  return headers;
}
