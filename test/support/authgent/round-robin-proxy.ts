/**
 * One address in front of several Authgent replicas, as a Kubernetes Service
 * or a load balancer puts it: each request goes to the next replica in turn
 * (round robin), a replica that refuses the connection (stopped) is skipped
 * for the next one, and a replica can be taken out of rotation (`drain`), as
 * a failing readiness probe does. Every request is recorded with the replica
 * that answered it, so tests can say which replica served what.
 *
 * Plain HTTP/1.1 on 127.0.0.1. `X-Forwarded-*` headers are not added: the
 * replicas run with their `AUTHGENT_SERVER_URL` set to this proxy's origin,
 * which is all the server uses to build its URLs (config.py `server_url`).
 */
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Index (into `upstreams`) of the replica that answered, or -1 when none could. */
  readonly upstream: number;
  readonly status: number;
}

export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** Takes replica `index` out of rotation (true) or puts it back (false). */
  drain(index: number, drained: boolean): void;
  close(): Promise<void>;
}

/** Upstream origins, e.g. `http://127.0.0.1:<port>`; `port` 0 picks a free one. */
export async function startRoundRobinProxy(upstreams: readonly string[], port = 0): Promise<RoundRobinProxy> {
  if (upstreams.length === 0) throw new Error("startRoundRobinProxy: at least one upstream");
  const targets = upstreams.map((origin) => new URL(origin));
  const drained = new Set<number>();
  const requests: ProxiedRequest[] = [];
  let next = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const order = targets.map((_, offset) => (next + offset) % targets.length).filter((index) => !drained.has(index));
    next = (next + 1) % targets.length;
    for (const index of order) {
      const target = targets[index];
      if (!target) continue;
      try {
        const answer = await forward(target, req, body);
        requests.push({ method: req.method ?? "GET", path: req.url ?? "/", upstream: index, status: answer.status });
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      } catch (error) {
        // Connection refused or reset: that replica is down; like a Service
        // without its endpoint, try the next one.
        if (!isConnectionError(error)) throw error;
      }
    }
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", upstream: -1, status: 502 });
    res.writeHead(502, { "content-type": "text/plain" });
    res.end("no replica answered");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`proxy error: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${bound}`,
    requests,
    drain: (index, value) => {
      if (value) drained.add(index);
      else drained.delete(index);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false },
      (response) => {
        readBody(response).then((responseBody) => {
          const responseHeaders: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name) && name !== "content-length") responseHeaders[name] = value;
          }
          resolve({ status: response.statusCode ?? 502, headers: responseHeaders, body: responseBody });
        }, reject);
      },
    );
    upstream.once("error", reject);
    upstream.end(body);
  });
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE";
}
