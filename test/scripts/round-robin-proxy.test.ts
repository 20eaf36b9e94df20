/**
 * The one address the multi-replica interop suites put in front of their
 * Authgent replicas (test/support/authgent/round-robin-proxy.ts): turns in
 * order, a stopped replica skipped, a drained one left out, requests and
 * answers passed through unchanged.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../scripts/lib/free-port.ts";
import { startRoundRobinProxy, type RoundRobinProxy } from "../support/authgent/round-robin-proxy.ts";

/** An upstream that answers `<name> <method> <path> <body>` with status 201. */
async function upstream(name: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      res.writeHead(201, { "content-type": "text/plain", "x-upstream": name });
      res.end(`${name} ${req.method} ${req.url} ${body}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("startRoundRobinProxy", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  const start = async (origins: string[]): Promise<RoundRobinProxy> => {
    const proxy = await startRoundRobinProxy(origins);
    closers.push(() => proxy.close());
    return proxy;
  };
  const serve = async (name: string) => {
    const up = await upstream(name);
    closers.push(() => new Promise((resolve) => up.server.close(() => resolve())));
    return up.origin;
  };

  it("takes turns, passing method, path, body, status and headers through", async () => {
    const proxy = await start([await serve("a"), await serve("b")]);
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${proxy.origin}/token?x=${i}`, { method: "POST", body: `n=${i}` });
      expect(response.status).toBe(201);
      answers.push(await response.text());
    }
    expect(answers).toEqual(["a POST /token?x=0 n=0", "b POST /token?x=1 n=1", "a POST /token?x=2 n=2", "b POST /token?x=3 n=3"]);
    expect(proxy.requests.map((request) => request.upstream)).toEqual([0, 1, 0, 1]);
  });

  it("skips a replica that refuses connections, and answers 502 when none is left", async () => {
    const proxy = await start([`http://127.0.0.1:${await freeLoopbackPort()}`, await serve("b")]);
    for (let i = 0; i < 3; i++) expect(await (await fetch(`${proxy.origin}/ready`)).text()).toBe("b GET /ready ");
    proxy.drain(1, true);
    expect((await fetch(`${proxy.origin}/ready`)).status).toBe(502);
    expect(proxy.requests.at(-1)).toEqual({ method: "GET", path: "/ready", upstream: -1, status: 502 });
  });

  it("leaves a drained replica out until it is put back", async () => {
    const proxy = await start([await serve("a"), await serve("b")]);
    proxy.drain(0, true);
    const drained = await Promise.all([0, 1, 2].map(async () => (await fetch(`${proxy.origin}/`)).headers.get("x-upstream")));
    expect(drained).toEqual(["b", "b", "b"]);
    proxy.drain(0, false);
    const back = [];
    for (let i = 0; i < 2; i++) back.push((await fetch(`${proxy.origin}/`)).headers.get("x-upstream"));
    expect(back.sort()).toEqual(["a", "b"]);
  });
});
