/**
 * Reference point for `npm run bench` (no target): the least an
 * authenticated worker can do — jose `jwtVerify` (ES256) against a JWKS
 * fetched once per isolate, then the echo worker's JSON-RPC answer. The gap
 * between this and the echo baseline is the price of the signature check
 * itself; the gap between this and the real worker is everything else.
 */
import { createLocalJWKSet, jwtVerify } from "jose";

let keys;

export default {
  async fetch(request, env) {
    keys ??= createLocalJWKSet(await (await fetch(`${env.AUTHGENT_ISSUER}/.well-known/jwks.json`)).json());
    const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /i, "");
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: env.AUTHGENT_ISSUER,
        audience: env.MCP_AUDIENCE,
        algorithms: ["ES256"],
      }));
    } catch {
      return Response.json({ error: "invalid_token" }, { status: 401 });
    }
    const message = await request.json();
    return Response.json({
      jsonrpc: "2.0",
      id: message?.id ?? null,
      result: { content: [{ type: "text", text: `Hello, ${message?.params?.arguments?.name}! (user: ${payload.sub})` }] },
    });
  },
};
