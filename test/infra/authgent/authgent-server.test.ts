import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthgentServer, type AuthgentServerArgs } from "../../../infra/authgent/authgent-server.ts";
import { renderCaddyfile } from "../../../infra/authgent/caddyfile.ts";
import { authgentConfig, TEST_SIGNING_KEY } from "./fixtures.ts";
import {
  captureOptions,
  DOCKER_TYPES,
  installMocks,
  isSecretInput,
  named,
  ofType,
  optionsOf,
  recorded,
  resetRecords,
  reveal,
  settle,
} from "./mocks.ts";

interface Upload {
  file: string;
  content: string;
  permissions?: string;
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

describe("AuthgentServer behind Caddy (the production shape)", () => {
  it("runs the seed's Authgent container: image, environment, data volume and internal port 8080", async () => {
    await deploy({ config: authgentConfig() });
    const image = named("auth-image");
    expect(image.inputs["name"]).toBe("authgent/authgent:latest");
    const container = named("auth-container");
    expect(container.inputs["name"]).toBe("authgent");
    expect(container.inputs["image"]).toBe("sha256:image-of-auth-image");
    expect(reveal(container.inputs["envs"])).toEqual([
      "AUTHGENT_DB_DSN=sqlite:///data/authgent.db",
      "AUTHGENT_ISSUER=https://auth.yourcompany.com",
      "AUTHGENT_SIGNING_ALG=ES256",
      "AUTHGENT_SIGNING_KEY=/keys/ec-private.pem",
    ]);
    expect(isSecretInput(container.inputs["envs"])).toBe(false);
    expect(container.inputs["volumes"]).toEqual([{ volumeName: "authgent-data", containerPath: "/data" }]);
    expect(named("auth-data").inputs["name"]).toBe("authgent-data");
  });

  it("publishes no Authgent port: it is reachable only on the stack's Docker network", async () => {
    await deploy({ config: authgentConfig() });
    const container = named("auth-container");
    expect(container.inputs["ports"]).toBeUndefined();
    expect(container.inputs["networksAdvanced"]).toEqual([{ name: "authgent", aliases: ["authgent"] }]);
    expect(named("auth-network").inputs).toMatchObject({ name: "authgent", driver: "bridge" });
  });

  it("uploads the signing key to /keys/ec-private.pem read-only, as a Pulumi secret", async () => {
    await deploy({ config: authgentConfig() });
    const uploads = named("auth-container").inputs["uploads"];
    expect(isSecretInput(uploads)).toBe(true);
    expect(reveal<Upload[]>(uploads)).toEqual([{ file: "/keys/ec-private.pem", content: TEST_SIGNING_KEY, permissions: "0444" }]);
  });

  it("keeps the signing key out of every other input and every output", async () => {
    const server = await deploy({ config: authgentConfig() });
    const body = TEST_SIGNING_KEY.split("\n")[1] ?? "";
    expect(body.length).toBeGreaterThan(20);
    for (const resource of recorded) {
      const visible = resource.name === "auth-container" ? { ...resource.inputs, uploads: "[secret]" } : resource.inputs;
      expect(JSON.stringify(visible), resource.name).not.toContain(body);
    }
    const outputs = await settle(pulumi.all([server.issuerUrl, server.jwksUrl, server.metadataUrl]));
    expect(JSON.stringify(outputs)).not.toContain(body);
  });

  it("checks health on the JWKS, restarts unless stopped, and makes pulumi up wait for healthy", async () => {
    await deploy({ config: authgentConfig() });
    const container = named("auth-container");
    expect(container.inputs["healthcheck"]).toEqual({
      tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/.well-known/jwks.json"],
      interval: "30s",
      timeout: "5s",
      retries: 3,
      startPeriod: "30s",
    });
    expect(container.inputs["restart"]).toBe("unless-stopped");
    expect(container.inputs["wait"]).toBe(true);
    expect(container.inputs["logOpts"]).toEqual({ "max-size": "10m", "max-file": "5" });
  });

  it("fronts Authgent with Caddy on ports 80 and 443, serving a Caddyfile for the issuer's host", async () => {
    await deploy({ config: authgentConfig({ tls: { email: "ops@yourcompany.com" } }) });
    const caddy = named("auth-caddy");
    expect(caddy.inputs["name"]).toBe("authgent-caddy");
    expect(named("auth-caddy-image").inputs["name"]).toBe("caddy:2");
    expect(caddy.inputs["ports"]).toEqual<Port[]>([
      { internal: 80, external: 80 },
      { internal: 443, external: 443 },
    ]);
    expect(caddy.inputs["networksAdvanced"]).toEqual([{ name: "authgent" }]);
    const [upload] = reveal<Upload[]>(caddy.inputs["uploads"]);
    expect(upload?.file).toBe("/etc/caddy/Caddyfile");
    expect(upload?.content).toBe(
      renderCaddyfile({ hostname: "auth.yourcompany.com", upstream: "authgent:8080", email: "ops@yourcompany.com" }),
    );
    expect(upload?.content).toContain("https://auth.yourcompany.com {");
    expect(upload?.content).toContain("reverse_proxy authgent:8080");
    expect(caddy.inputs["volumes"]).toEqual([
      { volumeName: "authgent-caddy-data", containerPath: "/data" },
      { volumeName: "authgent-caddy-config", containerPath: "/config" },
    ]);
    expect(caddy.inputs["restart"]).toBe("unless-stopped");
    expect(caddy.inputs["healthcheck"]).toMatchObject({ tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:2019/config/"] });
  });

  it("replaces fixed-name containers and the network delete-first, and never deletes data volumes", async () => {
    await deploy({ config: authgentConfig() });
    for (const name of ["auth-container", "auth-caddy", "auth-network"]) expect(optionsOf(name).deleteBeforeReplace, name).toBe(true);
    for (const name of ["auth-data", "auth-caddy-data", "auth-caddy-config"]) expect(optionsOf(name).retainOnDelete, name).toBe(true);
    expect(optionsOf("auth-caddy").dependsOn).toEqual([expect.anything()]);
  });

  it("outputs the issuer, its JWKS and its RFC 8414 metadata URL", async () => {
    const server = await deploy({ config: authgentConfig() });
    expect(await settle(server.issuerUrl)).toBe("https://auth.yourcompany.com");
    expect(await settle(server.jwksUrl)).toBe("https://auth.yourcompany.com/.well-known/jwks.json");
    expect(await settle(server.metadataUrl)).toBe("https://auth.yourcompany.com/.well-known/oauth-authorization-server");
  });
});

describe("AuthgentServer's Docker provider", () => {
  it("reaches an ssh:// host with the configured ssh flags, and every Docker resource uses that provider", async () => {
    await deploy({ config: authgentConfig({ sshOpts: ["-o", "StrictHostKeyChecking=yes"] }) });
    const [provider, ...others] = ofType(DOCKER_TYPES.provider);
    expect(others).toEqual([]);
    expect(provider?.name).toBe("auth-docker");
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
    expect(provider.inputs["host"]).toBe("tcp://vps.yourcompany.com:2376");
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
    expect(optionsOf("edge-auth-docker").parent).toBe(server);
  });
});

describe("AuthgentServer without a proxy (tls.proxy: none)", () => {
  it("publishes Authgent's port itself and creates no Caddy resources", async () => {
    await deploy({ config: authgentConfig({ issuer: "http://10.0.0.5:8080", tls: { proxy: "none" } }) });
    expect(named("auth-container").inputs["ports"]).toEqual<Port[]>([{ internal: 8080, external: 8080 }]);
    expect(recorded.filter((r) => r.name.includes("caddy"))).toEqual([]);
  });

  it("publishes on publishPort when given", async () => {
    await deploy({ config: authgentConfig({ issuer: "https://auth.yourcompany.com", tls: { proxy: "none" }, publishPort: 9443 }) });
    expect(named("auth-container").inputs["ports"]).toEqual<Port[]>([{ internal: 8080, external: 9443 }]);
  });
});

describe("AuthgentServer with other Authgent builds", () => {
  it("runs the Python authgent-server image: port 8000, its health path, its variables, secrets kept secret", async () => {
    await deploy({
      config: authgentConfig({
        image: "ghcr.io/authgent/authgent-server:1.4.2",
        port: 8000,
        healthPath: "/health",
        env: { AUTHGENT_SERVER_URL: "https://auth.yourcompany.com" },
        secretEnv: { AUTHGENT_SECRET_KEY: "s3cr3t-signing-material", AUTHGENT_DATABASE_URL: "postgresql+asyncpg://authgent:pw@db/authgent" },
      }),
    });
    const container = named("auth-container");
    expect(named("auth-image").inputs["name"]).toBe("ghcr.io/authgent/authgent-server:1.4.2");
    expect(isSecretInput(container.inputs["envs"])).toBe(true);
    expect(reveal<string[]>(container.inputs["envs"])).toEqual([
      "AUTHGENT_DATABASE_URL=postgresql+asyncpg://authgent:pw@db/authgent",
      "AUTHGENT_DB_DSN=sqlite:///data/authgent.db",
      "AUTHGENT_ISSUER=https://auth.yourcompany.com",
      "AUTHGENT_SECRET_KEY=s3cr3t-signing-material",
      "AUTHGENT_SERVER_URL=https://auth.yourcompany.com",
      "AUTHGENT_SIGNING_ALG=ES256",
      "AUTHGENT_SIGNING_KEY=/keys/ec-private.pem",
    ]);
    expect(container.inputs["healthcheck"]).toMatchObject({ tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/health"] });
    expect(reveal<Upload[]>(named("auth-caddy").inputs["uploads"])).toEqual([expect.objectContaining({ content: expect.stringContaining("reverse_proxy authgent:8000") })]);
  });

  it("takes a Postgres DSN as a secret in place of the SQLite default", async () => {
    await deploy({ config: authgentConfig({ secretEnv: { AUTHGENT_DB_DSN: "postgres://authgent:pw@db:5432/authgent" } }) });
    const envs = named("auth-container").inputs["envs"];
    expect(isSecretInput(envs)).toBe(true);
    expect(reveal<string[]>(envs).filter((e) => e.startsWith("AUTHGENT_DB_DSN="))).toEqual(["AUTHGENT_DB_DSN=postgres://authgent:pw@db:5432/authgent"]);
  });

  it("applies a custom healthcheck command for images without wget", async () => {
    await deploy({ config: authgentConfig({ healthCommand: ["CMD", "/authgent", "healthcheck"] }) });
    expect(named("auth-container").inputs["healthcheck"]).toMatchObject({ tests: ["CMD", "/authgent", "healthcheck"] });
  });

  it("lets transform adjust the container arguments", async () => {
    await deploy({ config: authgentConfig(), transform: { container: (args) => ({ ...args, memory: 512 }) } });
    expect(named("auth-container").inputs["memory"]).toBe(512);
  });
});
