import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SecretValue } from "../secret-value.ts";
import { renderCaddyfile } from "./caddyfile.ts";
import { AUTHGENT_SIGNING_ALG, type AuthgentConfig } from "./config.ts";
import { parseDockerHost } from "./docker-host.ts";
import { IMAGE_RESOURCES } from "./image-resources.ts";
import { issuerUrls } from "./urls.ts";

export interface AuthgentServerArgs {
  /**
   * The validated `authgent:` block (`authgentConfigSchema`); every field is
   * documented, with its default, on `AuthgentConfigInput`.
   */
  readonly config: AuthgentConfig;
  /** Escape hatch: adjust a container's arguments before it is created. @default {} (no change) */
  readonly transform?: AuthgentTransforms;
}

export interface AuthgentTransforms {
  /** The Authgent container. @default identity */
  readonly container?: (args: docker.ContainerArgs) => docker.ContainerArgs;
  /** The Caddy container (`tls.proxy: caddy`). @default identity */
  readonly proxy?: (args: docker.ContainerArgs) => docker.ContainerArgs;
}

/** Container healthcheck timings (Docker duration strings). */
export const HEALTHCHECK_TIMING = { interval: "30s", timeout: "5s", retries: 3, startPeriod: "30s" } as const;
/** Seconds `pulumi up` waits for a new container to report healthy before failing the update. */
export const HEALTHY_WAIT_SECONDS = 120;
/** Docker's json-file log driver keeps everything by default; a VPS disk should not fill with logs. */
const LOG_ROTATION = { logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "5" } } as const;
const RESTART_POLICY = "unless-stopped";
/** Caddy's admin API (localhost only inside its container) answers once the config is loaded. */
const CADDY_HEALTH_URL = "http://127.0.0.1:2019/config/";

/**
 * Authgent as a container on a remote Docker host, optionally behind a Caddy
 * reverse proxy that terminates TLS for the issuer's host name.
 *
 * Every Docker resource uses this component's own provider explicitly, so
 * the stack never touches whatever Docker daemon the operator's shell points at.
 */
export class AuthgentServer extends pulumi.ComponentResource {
  /** The issuer identifier (`iss`), as every MCP server is configured with. */
  readonly issuerUrl: pulumi.Output<string>;
  /** The issuer's JWKS. */
  readonly jwksUrl: pulumi.Output<string>;
  /** RFC 8414 authorization server metadata URL (path-insertion form). */
  readonly metadataUrl: pulumi.Output<string>;
  /** The container that serves the public endpoint (Caddy, or Authgent itself without a proxy); for `dependsOn`. */
  readonly endpoint: docker.Container;

  constructor(name: string, args: AuthgentServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("authgent-edge:authgent:AuthgentServer", name, {}, opts);
    const { config, transform = {} } = args;
    const provider = this.createProvider(name, config);
    const child = { parent: this, provider };
    const network = this.createNetwork(name, config, child);
    const authgent = this.createAuthgent(name, config, network, child, transform.container);
    const proxy = config.tls.proxy === "caddy" ? this.createProxy(name, config, network, authgent, child, transform.proxy) : undefined;
    this.endpoint = proxy ?? authgent;

    const urls = issuerUrls(config.issuer);
    this.issuerUrl = pulumi.output(urls.issuerUrl);
    this.jwksUrl = pulumi.output(urls.jwksUrl);
    this.metadataUrl = pulumi.output(urls.metadataUrl);
    this.registerOutputs({ issuerUrl: this.issuerUrl, jwksUrl: this.jwksUrl, metadataUrl: this.metadataUrl });
  }

  private createProvider(name: string, config: AuthgentConfig): docker.Provider {
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

  /** A user-defined bridge network: containers reach each other by alias, nothing else can. */
  private createNetwork(name: string, config: AuthgentConfig, opts: pulumi.CustomResourceOptions): docker.Network {
    return new docker.Network(`${name}-network`, { name: config.name, driver: "bridge" }, { ...opts, deleteBeforeReplace: true });
  }

  private createAuthgent(
    name: string,
    config: AuthgentConfig,
    network: docker.Network,
    opts: pulumi.CustomResourceOptions,
    transform: ((args: docker.ContainerArgs) => docker.ContainerArgs) | undefined,
  ): docker.Container {
    const image = new docker.RemoteImage(`${name}${IMAGE_RESOURCES.authgent.suffix}`, { name: config.image, keepLocally: true }, opts);
    // retainOnDelete: the database outlives a replaced container, a renamed
    // stack and `pulumi destroy` alike; deleting it is a deliberate manual act.
    const data = new docker.Volume(`${name}-data`, { name: `${config.name}-data` }, { ...opts, retainOnDelete: true });
    const behindProxy = config.tls.proxy === "caddy";
    const containerArgs: docker.ContainerArgs = {
      name: config.name,
      image: image.imageId,
      envs: authgentEnvs(config),
      uploads: [
        {
          file: config.signingKeyPath,
          content: secretInput(config.signingKey, "authgent.signingKey"),
          // Readable by whatever user the image runs as, writable by none; only
          // this container's processes can see the file.
          permissions: "0444",
        },
      ],
      volumes: [{ volumeName: data.name, containerPath: config.dataPath }],
      networksAdvanced: [{ name: network.name, aliases: [config.name] }],
      // Behind Caddy, Authgent publishes nothing: it is reachable only on the internal network.
      ...(behindProxy ? {} : { ports: [{ internal: config.port, external: config.publishPort ?? config.port }] }),
      restart: RESTART_POLICY,
      healthcheck: {
        tests: [...(config.healthCommand ?? ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${config.port}${config.healthPath}`])],
        ...HEALTHCHECK_TIMING,
      },
      wait: true,
      waitTimeout: HEALTHY_WAIT_SECONDS,
      ...LOG_ROTATION,
    };
    // A fixed container name (and, without a proxy, a fixed host port) cannot
    // exist twice: the old container must go before its replacement starts.
    return new docker.Container(`${name}-container`, transform ? transform(containerArgs) : containerArgs, { ...opts, deleteBeforeReplace: true });
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
    // Let's Encrypt rate-limits that.
    const certificates = new docker.Volume(`${name}-caddy-data`, { name: `${caddyName}-data` }, { ...opts, retainOnDelete: true });
    const caddyConfig = new docker.Volume(`${name}-caddy-config`, { name: `${caddyName}-config` }, { ...opts, retainOnDelete: true });
    const caddyfile = renderCaddyfile({
      hostname: new URL(config.issuer).hostname,
      upstream: `${config.name}:${config.port}`,
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
      restart: RESTART_POLICY,
      healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", CADDY_HEALTH_URL], ...HEALTHCHECK_TIMING },
      wait: true,
      waitTimeout: HEALTHY_WAIT_SECONDS,
      ...LOG_ROTATION,
    };
    return new docker.Container(`${name}-caddy`, transform ? transform(containerArgs) : containerArgs, {
      ...opts,
      dependsOn: [authgent],
      deleteBeforeReplace: true,
    });
  }
}

/**
 * The seed's `docker run -e …` environment, then `env`, then `secretEnv`,
 * sorted by name so unchanged config yields identical inputs. Any secret
 * value makes the whole list a Pulumi secret.
 */
export function authgentEnvs(config: AuthgentConfig): pulumi.Input<string[]> {
  const plain: Record<string, string> = {
    AUTHGENT_SIGNING_KEY: config.signingKeyPath,
    AUTHGENT_SIGNING_ALG: AUTHGENT_SIGNING_ALG,
    AUTHGENT_DB_DSN: `sqlite://${config.dataPath}/authgent.db`,
    ...config.env,
    AUTHGENT_ISSUER: config.issuer,
  };
  const secretNames = Object.keys(config.secretEnv);
  for (const name of secretNames) delete plain[name];
  const names = [...Object.keys(plain), ...secretNames].sort();
  if (secretNames.length === 0) return names.map((envName) => `${envName}=${plain[envName] ?? ""}`);
  return pulumi.secret(
    pulumi.all(
      names.map((envName) => {
        const secret = config.secretEnv[envName];
        return secret ? pulumi.secret(secret.reveal()).apply((value) => `${envName}=${value}`) : pulumi.output(`${envName}=${plain[envName] ?? ""}`);
      }),
    ),
  );
}

/** Reveals a config secret straight into a Pulumi secret; nothing else sees the text. */
function secretInput(value: SecretValue | undefined, key = "a secret"): pulumi.Output<string> {
  if (value === undefined) throw new Error(`${key} is not set (the stack config validation reports how to set it)`);
  return pulumi.secret(value.reveal());
}
