import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SecretValue } from "../secret-value.ts";
import { renderCaddyfile } from "./caddyfile.ts";
import type { AuthgentConfig } from "./config.ts";
import { CONTAINER_DEFAULTS, DATA_VOLUME_OPTIONS } from "./container-defaults.ts";
import { imageLabels, writeBuildContext } from "./dockerfile.ts";
import { authgentEnvironment, envInputs } from "./environment.ts";
import { parseDockerHost } from "./docker-host.ts";
import { IMAGE_RESOURCES } from "./image-resources.ts";
import { createPostgres } from "./postgres.ts";
import { healthcheckCommand, serverCommand } from "./server-command.ts";
import { AUTHGENT_PORT } from "./server-release.ts";
import { issuerUrls } from "./urls.ts";

export interface AuthgentServerArgs {
  /**
   * The validated `authgent:` block (`authgentConfigSchema`); every field is
   * documented, with its default, on `AuthgentConfigInput`.
   */
  readonly config: AuthgentConfig;
  /** Every scope the fleet's servers check: advertised as `scopes_supported`. @default [] */
  readonly scopes?: readonly string[];
  /** Escape hatch: adjust a container's arguments before it is created. @default {} (no change) */
  readonly transform?: AuthgentTransforms;
}

export interface AuthgentTransforms {
  /** The Authgent container. @default identity */
  readonly container?: (args: docker.ContainerArgs) => docker.ContainerArgs;
  /** The Caddy container (`tls.proxy: caddy`). @default identity */
  readonly proxy?: (args: docker.ContainerArgs) => docker.ContainerArgs;
}

/** Caddy's admin API (localhost only inside its container) answers once the config is loaded. */
const CADDY_HEALTH_URL = "http://127.0.0.1:2019/config/";

/**
 * The released authgent-server as a container on a remote Docker host
 * (built there from a generated Dockerfile, or your own image), with its
 * database on a kept volume or in a Postgres container, optionally behind a
 * Caddy reverse proxy that terminates TLS for the issuer's host name.
 *
 * Every Docker resource uses this component's own provider explicitly, so
 * the stack never touches whatever Docker daemon the operator's shell points at.
 */
export class AuthgentServer extends pulumi.ComponentResource {
  /** The issuer identifier (`iss`), as every MCP server is configured with. */
  readonly issuerUrl: pulumi.Output<string>;
  /** The issuer's JWKS. */
  readonly jwksUrl: pulumi.Output<string>;
  /** RFC 8414 authorization server metadata URL. */
  readonly metadataUrl: pulumi.Output<string>;
  /** The Authgent container's name on the Docker host (for `docker exec … authgent-server rotate-keys`). */
  readonly containerName: pulumi.Output<string>;
  /** The container that serves the public endpoint (Caddy, or Authgent itself without a proxy); for `dependsOn`. */
  readonly endpoint: docker.Container;

  constructor(name: string, args: AuthgentServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("authgent-edge:authgent:AuthgentServer", name, {}, opts);
    const { config, transform = {} } = args;
    const provider = this.createProvider(name, config);
    const child = { parent: this, provider };
    const network = new docker.Network(`${name}-network`, { name: config.name, driver: "bridge" }, { ...child, deleteBeforeReplace: true });
    const postgres = createPostgres(name, config, network, child);
    const authgent = this.createAuthgent(name, config, args.scopes ?? [], network, postgres, child, transform.container);
    const proxy = config.tls.proxy === "caddy" ? this.createProxy(name, config, network, authgent, child, transform.proxy) : undefined;
    this.endpoint = proxy ?? authgent;

    const urls = issuerUrls(config.issuer);
    this.issuerUrl = pulumi.output(urls.issuerUrl);
    this.jwksUrl = pulumi.output(urls.jwksUrl);
    this.metadataUrl = pulumi.output(urls.metadataUrl);
    this.containerName = authgent.name;
    this.registerOutputs({ issuerUrl: this.issuerUrl, jwksUrl: this.jwksUrl, metadataUrl: this.metadataUrl, containerName: this.containerName });
  }

  private createProvider(name: string, config: AuthgentConfig): docker.Provider {
    if (config.host === undefined) throw new Error("AuthgentServer runs on a Docker host, and authgent.host is not set (a stack with authgent.kubernetes deploys AuthgentCluster)");
    const host = parseDockerHost(config.host);
    if (!host.ok) throw new Error(`authgent.host ${host.message}`);
    const tls = config.dockerTls;
    return new docker.Provider(
      `${name}-docker`,
      {
        host: config.host,
        ...(host.host.kind === "ssh" && config.sshOpts.length > 0 ? { sshOpts: [...config.sshOpts] } : {}),
        ...(tls ? { caMaterial: secretInput(tls.ca), certMaterial: secretInput(tls.cert), keyMaterial: secretInput(tls.key) } : {}),
      },
      { parent: this },
    );
  }

  /**
   * The image: built by the Docker host's daemon from the generated
   * Dockerfile (tagged with the build context's digest, so a changed
   * Dockerfile is a new image), or pulled as given.
   */
  private createImage(name: string, config: AuthgentConfig, opts: pulumi.CustomResourceOptions): docker.RemoteImage {
    const resourceName = `${name}${IMAGE_RESOURCES.authgent.suffix}`;
    if (config.build === undefined) return new docker.RemoteImage(resourceName, { name: config.image ?? "", keepLocally: true }, opts);
    const input = { ...config.build, dataPath: config.dataPath };
    const context = writeBuildContext(input);
    return new docker.RemoteImage(
      resourceName,
      {
        name: `authgent-edge/authgent-server:${config.build.version}-${context.digest}`,
        build: { context: context.context, dockerfile: "Dockerfile", label: imageLabels(input) },
        keepLocally: true,
      },
      opts,
    );
  }

  private createAuthgent(
    name: string,
    config: AuthgentConfig,
    scopes: readonly string[],
    network: docker.Network,
    postgres: docker.Container | undefined,
    opts: pulumi.CustomResourceOptions,
    transform: ((args: docker.ContainerArgs) => docker.ContainerArgs) | undefined,
  ): docker.Container {
    const image = this.createImage(name, config, opts);
    const data = new docker.Volume(`${name}-data`, { name: `${config.name}-data` }, { ...opts, ...DATA_VOLUME_OPTIONS });
    const behindProxy = config.tls.proxy === "caddy";
    const containerArgs: docker.ContainerArgs = {
      name: config.name,
      image: image.imageId,
      command: serverCommand({ forwardedAllowIps: config.forwardedAllowIps }),
      envs: envInputs(authgentEnvironment(config, scopes)),
      volumes: [{ volumeName: data.name, containerPath: config.dataPath }],
      networksAdvanced: [{ name: network.name, aliases: [config.name] }],
      // Behind Caddy, Authgent publishes nothing: it is reachable only on the internal network.
      ...(behindProxy ? {} : { ports: [{ internal: AUTHGENT_PORT, external: config.publishPort }] }),
      healthcheck: { tests: [...(config.healthCommand ?? ["CMD", ...healthcheckCommand()])], ...CONTAINER_DEFAULTS.healthcheckTiming },
      ...CONTAINER_DEFAULTS.run,
    };
    // A fixed container name (and, without a proxy, a fixed host port) cannot
    // exist twice: the old container must go before its replacement starts.
    return new docker.Container(`${name}-container`, transform ? transform(containerArgs) : containerArgs, {
      ...opts,
      deleteBeforeReplace: true,
      ...(postgres ? { dependsOn: [postgres] } : {}),
    });
  }

  private createProxy(
    name: string,
    config: AuthgentConfig,
    network: docker.Network,
    authgent: docker.Container,
    opts: pulumi.CustomResourceOptions,
    transform: ((args: docker.ContainerArgs) => docker.ContainerArgs) | undefined,
  ): docker.Container {
    const caddyName = `${config.name}-caddy`;
    const image = new docker.RemoteImage(`${name}${IMAGE_RESOURCES.caddy.suffix}`, { name: config.tls.image, keepLocally: true }, opts);
    // Certificates and ACME account keys: losing them means re-issuing, and
    // Let's Encrypt rate-limits that. Re-creatable, so not protected.
    const certificates = new docker.Volume(`${name}-caddy-data`, { name: `${caddyName}-data` }, { ...opts, retainOnDelete: true });
    const caddyConfig = new docker.Volume(`${name}-caddy-config`, { name: `${caddyName}-config` }, { ...opts, retainOnDelete: true });
    const caddyfile = renderCaddyfile({
      hostname: new URL(config.issuer).hostname,
      upstream: `${config.name}:${AUTHGENT_PORT}`,
      email: config.tls.email,
      acmeCa: config.tls.acmeCa,
    });
    const containerArgs: docker.ContainerArgs = {
      name: caddyName,
      image: image.imageId,
      uploads: [{ file: "/etc/caddy/Caddyfile", content: caddyfile, permissions: "0444" }],
      volumes: [
        { volumeName: certificates.name, containerPath: "/data" },
        { volumeName: caddyConfig.name, containerPath: "/config" },
      ],
      networksAdvanced: [{ name: network.name }],
      // 80 serves ACME HTTP-01 challenges and the redirect; 443 serves the issuer.
      ports: [
        { internal: 80, external: 80 },
        { internal: 443, external: 443 },
      ],
      healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", CADDY_HEALTH_URL], ...CONTAINER_DEFAULTS.healthcheckTiming },
      ...CONTAINER_DEFAULTS.run,
    };
    return new docker.Container(`${name}-caddy`, transform ? transform(containerArgs) : containerArgs, {
      ...opts,
      dependsOn: [authgent],
      deleteBeforeReplace: true,
    });
  }
}

/** Reveals a config secret straight into a Pulumi secret; nothing else sees the text. */
function secretInput(value: SecretValue): pulumi.Output<string> {
  return pulumi.secret(value.reveal());
}
