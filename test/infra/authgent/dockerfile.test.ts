import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderDockerfile, writeBuildContext } from "../../../infra/authgent/dockerfile.ts";
import { AUTHGENT_BASE_IMAGE } from "../../../infra/authgent/server-release.ts";

const PINNED = { version: "0.3.4", baseImage: AUTHGENT_BASE_IMAGE, dataPath: "/data" };

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

describe("the generated Dockerfile", () => {
  it("installs the pinned authgent-server with its pinned dependencies, from wheels only, on the pinned base", () => {
    const dockerfile = renderDockerfile(PINNED);
    expect(dockerfile.split("\n")[1]).toBe(`FROM ${AUTHGENT_BASE_IMAGE}`);
    expect(dockerfile).toContain('RUN pip install --no-cache-dir --only-binary=:all: -c /tmp/constraints.txt "authgent-server[postgres]==0.3.4" "psycopg[binary]==3.3.9" &&');
  });

  it("runs as a fixed non-root user that owns the data directory, so a fresh named volume is writable", () => {
    const dockerfile = renderDockerfile({ ...PINNED, dataPath: "/var/lib/authgent" });
    expect(dockerfile).toContain("useradd --system --uid 10001 --gid 10001");
    expect(dockerfile).toContain("mkdir -p /app /var/lib/authgent && chown 10001:10001 /app /var/lib/authgent");
    expect(dockerfile).toContain("USER 10001:10001");
    expect(dockerfile.indexOf("USER")).toBeGreaterThan(dockerfile.indexOf("pip install"));
  });

  it("checks health in Python and starts uvicorn's app factory on 8000, like upstream's Dockerfile", () => {
    const dockerfile = renderDockerfile(PINNED);
    expect(dockerfile).toContain(
      `HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python","-c","import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4)"]`,
    );
    expect(dockerfile).toContain('CMD ["uvicorn","authgent_server.app:create_app","--factory","--host","0.0.0.0","--port","8000","--proxy-headers","--forwarded-allow-ips","127.0.0.1"]');
    expect(dockerfile).not.toMatch(/curl|wget/);
  });

  it("says so, and pins nothing else, for a release this repository does not test", () => {
    const dockerfile = renderDockerfile({ ...PINNED, version: "0.4.0" });
    expect(dockerfile).toContain('RUN pip install --no-cache-dir "authgent-server[postgres]==0.4.0" "psycopg[binary]==3.3.9"\n');
    expect(dockerfile).toContain("0.4.0 is not the release this repository tests (0.3.4)");
    expect(dockerfile).not.toContain("constraints");
  });
});

describe("the build context", () => {
  it("is content-addressed, holds the Dockerfile and constraints, and is named relative to the provider's directory", async () => {
    root = await mkdtemp(join(tmpdir(), "authgent-context-"));
    const context = writeBuildContext(PINNED, { root, providerDir: join(root, "infra") });
    expect(context.context).toBe(`../dist/authgent-image/${context.digest}`);
    expect(await readdir(context.dir)).toEqual(["Dockerfile", "constraints.txt"]);
    expect(await readFile(join(context.dir, "Dockerfile"), "utf8")).toBe(renderDockerfile(PINNED));
    expect(writeBuildContext(PINNED, { root, providerDir: join(root, "infra") }).digest).toBe(context.digest);
    expect(writeBuildContext({ ...PINNED, baseImage: "python:3.12-slim" }, { root, providerDir: join(root, "infra") }).digest).not.toBe(context.digest);
  });
});
