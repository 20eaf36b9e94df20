/**
 * The worker's JWKS handling against the real Authgent's keys: rotation by
 * `authgent-server rotate-keys` while the worker runs, and Authgent going
 * away and coming back. One scenario in order, because the interesting
 * moments are tied to the worker's JWKS cooldown (DEFAULT_JWKS_COOLDOWN_SECONDS,
 * worker/jwks/options.ts): a kid the worker has not seen, or a failed fetch,
 * is retried at most once per cooldown. Both waits overlap, so the file costs
 * one cooldown (~30 s) of wall time, not two.
 */
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SCOPES } from "../../worker/bindings.ts";
import { postMcp } from "../e2e/support/harness.ts";
import type { RegisteredClient } from "../support/authgent/client.ts";
import { describeWithAuthgent, useAuthgent } from "../support/authgent/use-authgent.ts";
import { startAuthgentWorker, type AuthgentWorker } from "../support/authgent/worker.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithAuthgent("signing keys: rotation and an unreachable Authgent, worker never restarted", () => {
  const authgent = useAuthgent();
  const workers: AuthgentWorker[] = [];
  let warm: AuthgentWorker;
  let app: RegisteredClient;
  /** Minted with the first key; used once to warm the worker up. */
  let warmUp: string;
  /** Minted with the first key before rotation, never shown to a worker until the rotation test. */
  let oldKeyToken: string;
  /** Minted with the first key too, kept unseen until Authgent is down (so it is verified, not recalled). */
  let unseenOldKeyToken: string;
  /** Minted with the rotated key. */
  let newKeyToken: string;

  beforeAll(async () => {
    warm = await startAuthgentWorker(authgent.server.issuer);
    workers.push(warm);
    app = await authgent.server.registerClient({ client_name: "keys", scope: SCOPES.read });
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.dispose()));
  });

  const mint = async () => (await authgent.server.clientCredentialsToken({ client: app, resource: warm.audience, scope: SCOPES.read })).access_token;
  const status = async (worker: AuthgentWorker, token: string) => (await postMcp(worker.mcpUrl, token, "tools/list")).status;

  it("rotate-keys while the worker runs: tokens signed with the old key still verify", async () => {
    warmUp = await mint();
    expect(await status(warm, warmUp)).toBe(200);
    oldKeyToken = await mint();
    unseenOldKeyToken = await mint();
    const oldKid = decodeProtectedHeader(oldKeyToken).kid;

    const newKid = await authgent.server.rotateKeys();
    newKeyToken = await mint();
    expect(decodeProtectedHeader(newKeyToken).kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);
    // The old key stays in Authgent's JWKS (jwks_service.py `get_jwks_document`: active + rotated) ...
    const published = (await authgent.server.getJson("/.well-known/jwks.json")).keys as { kid: string }[];
    expect(published.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    // ... and the running worker keeps accepting tokens signed with it.
    expect(await status(warm, oldKeyToken)).toBe(200);
  });

  it("Authgent stopped: the warm worker keeps verifying, a cold one answers 503 + Retry-After; both recover when it is back", async () => {
    await authgent.server.stop();
    // Warm: a token it has never seen is verified with the cached keys (JWKS_CACHE_TTL); nothing reaches Authgent.
    expect(await status(warm, unseenOldKeyToken)).toBe(200);

    // Cold: another isolate of the same server (same audience, its own memory and cache) has no keys and cannot fetch any.
    const cold = await startAuthgentWorker(authgent.server.issuer, { vars: { MCP_AUDIENCE: warm.audience } });
    workers.push(cold);
    const refused = await postMcp(cold.mcpUrl, newKeyToken, "tools/list");
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: "temporarily_unavailable" });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 30).toBe(true);
    await cold.waitForLog((text) => text.includes(`jwks unavailable: no usable JWKS for ${authgent.server.issuer}`));
    // Within the cooldown it fails fast again instead of hammering the issuer.
    expect((await postMcp(cold.mcpUrl, newKeyToken, "tools/list")).status).toBe(503);

    await authgent.server.restart();
    // Honour Retry-After, as a client would; no worker is restarted.
    await sleep(retryAfter * 1000);
    expect(await status(cold, newKeyToken)).toBe(200);
    expect(await status(cold, oldKeyToken)).toBe(200);
    // The warm worker, past its refetch cooldown too, now picks up the rotated key.
    expect(await status(warm, newKeyToken)).toBe(200);
    // And tokens minted after the restart (same database and secret key: same signing key) verify on both.
    const fresh = await mint();
    expect(decodeProtectedHeader(fresh).kid).toBe(decodeProtectedHeader(newKeyToken).kid);
    expect(await status(warm, fresh)).toBe(200);
    expect(await status(cold, fresh)).toBe(200);
  });
});
