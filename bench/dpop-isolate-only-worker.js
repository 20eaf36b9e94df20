/**
 * Reference for `npm run bench`'s DPoP rows (no target, never deployed): the
 * real worker (`worker/index.ts`, unchanged) with DPoP `jti` replay
 * detection inside this isolate only — its env's Durable Object stubs answer
 * the proof ledger call locally ("fresh") instead of making the RPC. The gap
 * between it and the real worker is the price of cross-isolate replay
 * protection; the gap between it and the Bearer run is the price of verifying
 * a proof. Unsafe in production: a proof replayed to another isolate or
 * location would be accepted.
 */
import worker, { AuthgentMCPAgent } from "../worker/index.ts";

export { AuthgentMCPAgent };

const wrapped = new WeakMap();

/** `env` with a Durable Object namespace whose stubs skip only the proof ledger RPC (one wrapper per env, as the worker caches per env). */
function isolateOnly(env) {
  let out = wrapped.get(env);
  if (!out) {
    const namespace = env.MCP_OBJECT;
    const get = (id) => {
      const stub = namespace.get(id);
      return new Proxy(stub, {
        get(target, property) {
          if (property === "recordDpopProofs") return async (_owner, uses) => uses.map(() => ({ outcome: "fresh" }));
          const value = Reflect.get(target, property);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    };
    out = { ...env, MCP_OBJECT: { idFromName: (name) => namespace.idFromName(name), get } };
    wrapped.set(env, out);
  }
  return out;
}

export default {
  fetch: (request, env, ctx) => worker.fetch(request, isolateOnly(env), ctx),
};
