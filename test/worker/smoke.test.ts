import { env, SELF } from "cloudflare:test";
import { inject, it, expect } from "vitest";

it("reaches the local issuer from inside workerd", async () => {
  const res = await fetch(`${inject("devIssuer")}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { keys: unknown[] };
  expect(body.keys.length).toBe(1);
  expect(typeof env.AUTHGENT_ISSUER).toBe("string");
  expect((await SELF.fetch("https://x/")).status).toBe(503);
});
