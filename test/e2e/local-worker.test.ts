/**
 * startLocalWorker: the bundled worker with production's bindings, as used by
 * npm start, these end-to-end tests, the benchmark and npm run verify.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WORKER_BUNDLE } from "../../infra/worker-bundle.ts";
import { startLocalWorker, PortInUseError } from "../../scripts/lib/local-worker.ts";
import { MCP_AGENT, RATE_LIMITER, WORKER_VARS, type WorkerVarName } from "../../worker/bindings.ts";
import { freePort } from "./support/harness.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const VARS = { AUTHGENT_ISSUER: "http://127.0.0.1:9/t/none", MCP_AUDIENCE: "http://127.0.0.1:9" };

describe("startLocalWorker", () => {
  it("gives the worker every binding declared in worker/bindings.ts, and the vars it was given", async () => {
    const worker = await startLocalWorker({ vars: { ...VARS, RESOURCE_NAME: "Local test" } });
    cleanup.push(() => worker.dispose());
    const env = await worker.mf.getBindings<Record<string, unknown>>();
    expect(Object.keys(env)).toEqual(expect.arrayContaining([MCP_AGENT.binding, RATE_LIMITER.binding]));
    expect(env).toMatchObject({ ...VARS, RESOURCE_NAME: "Local test" });

    const prm = await fetch(`${worker.url}/.well-known/oauth-protected-resource`);
    expect(await prm.json()).toMatchObject({ resource: VARS.MCP_AUDIENCE, resource_name: "Local test" });
  });

  it("rejects a var name bindings.ts does not declare, listing the declared ones", async () => {
    const vars = { ...VARS, JWKS_CACHE_TTI: "60" } as Partial<Record<WorkerVarName, string>>;
    await expect(startLocalWorker({ vars })).rejects.toThrow(
      `unknown worker var "JWKS_CACHE_TTI"; declared vars: ${Object.keys(WORKER_VARS).join(", ")}`,
    );
  });

  it("runs a bundle stored outside the working directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "authgent-bundle-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const bundlePath = join(dir, "copy.js");
    await copyFile(WORKER_BUNDLE, bundlePath);
    const worker = await startLocalWorker({ bundlePath, vars: VARS });
    cleanup.push(() => worker.dispose());
    expect((await fetch(`${worker.url}/.well-known/oauth-protected-resource`)).status).toBe(200);
  });

  it("fails with PortInUseError when the port is taken", async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((ready) => holder.listen(port, "127.0.0.1", ready));
    cleanup.push(() => new Promise<void>((closed) => holder.close(() => closed())));
    const start = startLocalWorker({ port, vars: VARS });
    await expect(start).rejects.toBeInstanceOf(PortInUseError);
    await expect(start).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
  });

  it("tolerates dispose() twice", async () => {
    const worker = await startLocalWorker({ vars: VARS });
    await worker.dispose();
    await expect(worker.dispose()).resolves.toBeUndefined();
  });
});
