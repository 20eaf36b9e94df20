import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthgentServer, type AuthgentServerArgs } from "../../../infra/authgent/authgent-server.ts";
import { renderCaddyfile } from "../../../infra/authgent/caddyfile.ts";
import { renderDockerfile } from "../../../infra/authgent/dockerfile.ts";
import { programDirectory } from "../../../infra/program-dir.ts";
import { AUTHGENT_BASE_IMAGE } from "../../../infra/authgent/server-release.ts";
import { authgentConfig, TEST_SECRET_KEY } from "./fixtures.ts";
import { captureOptions, DOCKER_TYPES, installMocks, isSecretInput, named, ofType, optionsOf, recorded, resetRecords, reveal, settle } from "./mocks.ts";

interface Upload {
  file: string;
  content: string;
}
interface Port {
  internal: number;
  external: number;
}

beforeAll(installMocks);
beforeEach(resetRecords);

async function deploy(args: AuthgentServerArgs, name = "auth"): Promise<AuthgentServer> {
  const server = new AuthgentServer(name, args, { transformations: [captureOptions] });
  // Containers consume the network, volumes and images, so once the public
  // endpoint is registered every child is.
  await settle(server.endpoint.id);
  return server;
}

/**
 * The container's envs as `NAME=value` strings. Pulumi's mocks hand a list
 * holding any secret over as one secret; which elements the engine receives
 * as secrets is asserted on the offline plan (stack.test.ts).
 */
function envsOf(resourceName: string): { values: Record<string, string>; secret: boolean } {
  const raw = named(resourceName).inputs["envs"];
  const values: Record<string, string> = {};
  for (const entry of reveal<unknown[]>(raw)) {
    const [name = "", ...rest] = reveal<string>(entry).split("=");
    values[name] = rest.join("=");
  }
  return { values, secret: isSecretInput(raw) };
}

describe("AuthgentServer: the released authgent-server behind Caddy (the production shape)", () => {
  it("builds the image on the Docker host from the generated Dockerfile, tagged with its context's digest", async () => {
    await deploy({ config: authgentConfig() });
    const image = named("auth-image");
    const build = image.inputs["build"] as { context: string; dockerfile: string; label: Record<string, string> };
    expect(image.inputs["name"]).toMatch(/^authgent-edge\/authgent-server:0\.3\.4-[0-9a-f]{12}$/);
    expect(build.context).toMatch(/^\.\.\/dist\/authgent-image\/[0-9a-f]{12}$/);
    expect(String(image.inputs["name"]).endsWith(build.context.split("/").at(-1) ?? "-")).toBe(true);
    expect(build.label["org.opencontainers.image.base.name"]).toBe(AUTHGENT_BASE_IMAGE);
    // The provider opens the context relative to where `pulumi up` runs it (infra/).
    const dockerfile = await readFile(join(programDirectory(), build.context, "Dockerfile"), "utf8");
    expect(dockerfile).toBe(renderDockerfile({ version: "0.3.4", baseImage: AUTHGENT_BASE_IMAGE, dataPath: "/data" }));
    expect(await readFile(join(programDirectory(), build.context, "constraints.txt"), "utf8")).toContain("authgent-server==0.3.4");
  });

  it("runs uvicorn on port 8000 trusting Caddy's forwarded headers, with every setting in the environment", async () => {
    await deploy({ config: authgentConfig(), scopes: ["mcp:write", "mcp:read", "mcp:read"] });
    const container = named("auth-container");
    expect(container.inputs["name"]).toBe("authgent");
    expect(container.inputs["image"]).toBe("sha256:image-of-auth-image");
    expect(container.inputs["command"]).toEqual([
      "uvicorn", "authgent_server.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*",
    ]);
    expect(envsOf("auth-container").values).toEqual({
      AUTHGENT_CONSENT_MODE: "ui",
      AUTHGENT_CORS_ORIGINS: "[]",
      AUTHGENT_DATABASE_URL: "sqlite+aiosqlite:////data/authgent.db",
      AUTHGENT_REGISTRATION_POLICY: "open",
      AUTHGENT_REQUIRE_DPOP: "false",
      AUTHGENT_SCOPES_SUPPORTED: '["mcp:read","mcp:write"]',
      AUTHGENT_SECRET_KEY: TEST_SECRET_KEY,
      AUTHGENT_SERVER_URL: "https://auth.yourcompany.com",
    });
  });

  it("sends the secret key as its own Pulumi secret and keeps it out of every other input and output", async () => {
    const server = await deploy({ config: authgentConfig() });
    expect(envsOf("auth-container").secret).toBe(true);
    for (const resource of recorded) {
      const visible = resource.name === "auth-container" ? { ...resource.inputs, envs: "[checked above]" } : resource.inputs;
      expect(JSON.stringify(visible), resource.name).not.toContain(TEST_SECRET_KEY);
    }
    const outputs = await settle(pulumi.all([server.issuerUrl, server.jwksUrl, server.metadataUrl, server.containerName]));
    expect(JSON.stringify(outputs)).not.toContain(TEST_SECRET_KEY);
    expect(named("auth-container").inputs["uploads"]).toBeUndefined();
  });

  it("checks readiness in Python on /ready, restarts unless stopped, and makes pulumi up wait for healthy", async () => {
    await deploy({ config: authgentConfig() });
    const container = named("auth-container");
    expect(container.inputs["healthcheck"]).toEqual({
      tests: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4)"],
      interval: "30s",
      timeout: "5s",
      retries: 3,
      startPeriod: "30s",
    });
    expect(container.inputs["restart"]).toBe("unless-stopped");
    expect(container.inputs["wait"]).toBe(true);
    expect(container.inputs["logOpts"]).toEqual({ "max-size": "10m", "max-file": "5" });
  });

  it("keeps the database on a named volume, publishes no port and fronts Authgent with Caddy on 80 and 443", async () => {
    await deploy({ config: authgentConfig({ tls: { email: "ops@yourcompany.com" } }) });
    const container = named("auth-container");
    expect(container.inputs["volumes"]).toEqual([{ volumeName: "authgent-data", containerPath: "/data" }]);
    expect(container.inputs["ports"]).toBeUndefined();
    expect(container.inputs["networksAdvanced"]).toEqual([{ name: "authgent", aliases: ["authgent"] }]);
    const caddy = named("auth-caddy");
    expect(caddy.inputs["ports"]).toEqual<Port[]>([
      { internal: 80, external: 80 },
      { internal: 443, external: 443 },
    ]);
    const [upload] = reveal<Upload[]>(caddy.inputs["uploads"]);
    expect(upload?.content).toBe(renderCaddyfile({ hostname: "auth.yourcompany.com", upstream: "authgent:8000", email: "ops@yourcompany.com" }));
  });

  it("never deletes or silently replaces a volume holding the database; containers are replaced delete-first", async () => {
    await deploy({ config: authgentConfig() });
    expect(optionsOf("auth-data")).toMatchObject({ retainOnDelete: true, protect: true });
    for (const name of ["auth-caddy-data", "auth-caddy-config"]) expect(optionsOf(name).retainOnDelete, name).toBe(true);
    for (const name of ["auth-container", "auth-caddy", "auth-network"]) expect(optionsOf(name).deleteBeforeReplace, name).toBe(true);
  });

  it("keeps the same data volume through an update: a new release, base image, database setting or consent mode", async () => {
    await deploy({ config: authgentConfig() });
    const before = named("auth-data").inputs;
    resetRecords();
    await deploy({ config: authgentConfig({ build: { version: "0.4.0", baseImage: "python:3.13-slim" }, consentMode: "headless", registration: { policy: "admin" } }) });
    expect(named("auth-data").inputs).toEqual(before);
    expect(named("auth-container").inputs["volumes"]).toEqual([{ volumeName: "authgent-data", containerPath: "/data" }]);
  });

  it("outputs the issuer URLs and the container's name", async () => {
    const server = await deploy({ config: authgentConfig() });
    expect(await settle(server.issuerUrl)).toBe("https://auth.yourcompany.com");
    expect(await settle(server.metadataUrl)).toBe("https://auth.yourcompany.com/.well-known/oauth-authorization-server");
    expect(await settle(server.containerName)).toBe("authgent");
  });
});

describe("AuthgentServer with other images and settings", () => {
  it("pulls a user-supplied image as given instead of building", async () => {
    const image = `ghcr.io/acme/authgent-server@sha256:${"b".repeat(64)}`;
    await deploy({ config: authgentConfig({ image }) });
    expect(named("auth-image").inputs).toEqual({ name: image, keepLocally: true });
  });

  it("passes typed settings and the env escape hatch, secrets one by one", async () => {
    await deploy({
      config: authgentConfig({
        consentMode: "headless",
        requireDpop: true,
        corsOrigins: ["https://app.yourcompany.com"],
        registration: { policy: "token", token: "initial-access-token" },
        env: { AUTHGENT_ACCESS_TOKEN_TTL: "600" },
        secretEnv: { AUTHGENT_WEBHOOK_HMAC_SECRET: "hmac" },
      }),
    });
    const { values } = envsOf("auth-container");
    expect(values).toMatchObject({
      AUTHGENT_ACCESS_TOKEN_TTL: "600",
      AUTHGENT_CONSENT_MODE: "headless",
      AUTHGENT_CORS_ORIGINS: '["https://app.yourcompany.com"]',
      AUTHGENT_REGISTRATION_POLICY: "token",
      AUTHGENT_REGISTRATION_TOKEN: "initial-access-token",
      AUTHGENT_REQUIRE_DPOP: "true",
      AUTHGENT_WEBHOOK_HMAC_SECRET: "hmac",
    });
  });

  it("runs Postgres on the same host with its own kept volume, and gives Authgent its URL as a secret", async () => {
    await deploy({ config: authgentConfig({ database: { type: "postgres", password: "p@ss/word" } }) });
    const postgres = named("auth-postgres");
    expect(postgres.inputs["name"]).toBe("authgent-postgres");
    expect(named("auth-postgres-image").inputs["name"]).toBe("postgres:16-alpine");
    expect(postgres.inputs["volumes"]).toEqual([{ volumeName: "authgent-postgres-data", containerPath: "/var/lib/postgresql/data" }]);
    expect(postgres.inputs["ports"]).toBeUndefined();
    expect(postgres.inputs["networksAdvanced"]).toEqual([{ name: "authgent", aliases: ["authgent-postgres"] }]);
    expect(envsOf("auth-postgres")).toEqual({ values: { POSTGRES_USER: "authgent", POSTGRES_DB: "authgent", POSTGRES_PASSWORD: "p@ss/word" }, secret: true });
    expect(optionsOf("auth-postgres-data")).toMatchObject({ retainOnDelete: true, protect: true });
    const { values } = envsOf("auth-container");
    // RFC 3986 userinfo: the password is percent-encoded.
    expect(values["AUTHGENT_DATABASE_URL"]).toBe("postgresql+psycopg://authgent:p%40ss%2Fword@authgent-postgres:5432/authgent?options=-c%20TimeZone%3DUTC");
    expect(optionsOf("auth-container").dependsOn).toEqual([expect.anything()]);
  });

  it("takes an external database URL as a secret", async () => {
    const url = "postgresql+psycopg://u:pw@db.internal:5432/authgent?options=-c%20TimeZone%3DUTC";
    await deploy({ config: authgentConfig({ database: { type: "external", url } }) });
    expect(envsOf("auth-container").values["AUTHGENT_DATABASE_URL"]).toBe(url);
    expect(ofType(DOCKER_TYPES.container).map((c) => c.name).sort()).toEqual(["auth-caddy", "auth-container"]);
  });

  it("publishes port 8000 itself without a proxy and creates no Caddy resources", async () => {
    await deploy({ config: authgentConfig({ issuer: "https://auth.yourcompany.com", tls: { proxy: "none" }, publishPort: 9443 }) });
    expect(named("auth-container").inputs["ports"]).toEqual<Port[]>([{ internal: 8000, external: 9443 }]);
    expect(recorded.filter((r) => r.name.includes("caddy"))).toEqual([]);
  });

  it("applies a custom healthcheck command and the container transform", async () => {
    await deploy({ config: authgentConfig({ healthCommand: ["CMD", "/bin/true"] }), transform: { container: (args) => ({ ...args, memory: 512 }) } });
    expect(named("auth-container").inputs["healthcheck"]).toMatchObject({ tests: ["CMD", "/bin/true"] });
    expect(named("auth-container").inputs["memory"]).toBe(512);
  });
});

describe("AuthgentServer's Docker provider", () => {
  it("reaches an ssh:// host with the configured ssh flags, and every Docker resource uses that provider", async () => {
    await deploy({ config: authgentConfig({ sshOpts: ["-o", "StrictHostKeyChecking=yes"] }) });
    const [provider, ...others] = ofType(DOCKER_TYPES.provider);
    expect(others).toEqual([]);
    expect(provider?.inputs).toMatchObject({ host: "ssh://deploy@vps.yourcompany.com", sshOpts: JSON.stringify(["-o", "StrictHostKeyChecking=yes"]) });
    const dockerResources = recorded.filter((r) => r.type.startsWith("docker:"));
    expect(dockerResources.map((r) => r.name).sort()).toEqual(
      ["auth-caddy", "auth-caddy-config", "auth-caddy-data", "auth-caddy-image", "auth-container", "auth-data", "auth-image", "auth-network"],
    );
    for (const resource of dockerResources) expect(resource.provider, resource.name).toMatch(/pulumi:providers:docker::auth-docker::/);
  });

  it("reaches a tcp:// host with TLS client material passed as secrets", async () => {
    await deploy({ config: authgentConfig({ host: "tcp://vps.yourcompany.com:2376", dockerTls: { ca: "CA-PEM", cert: "CERT-PEM", key: "KEY-PEM" } }) });
    const provider = named("auth-docker");
    for (const [field, value] of [["caMaterial", "CA-PEM"], ["certMaterial", "CERT-PEM"], ["keyMaterial", "KEY-PEM"]] as const) {
      expect(isSecretInput(provider.inputs[field]), field).toBe(true);
      expect(reveal(provider.inputs[field])).toBe(value);
    }
  });

  it("names children after the component and parents them to it", async () => {
    const server = await deploy({ config: authgentConfig() }, "edge-auth");
    for (const resource of recorded.filter((r) => r.type !== "authgent-edge:authgent:AuthgentServer")) {
      expect(resource.name.startsWith("edge-auth-"), resource.name).toBe(true);
    }
    expect(optionsOf("edge-auth-container").parent).toBe(server);
  });
});
