/** The policies over the Authgent host's resources: image pinning, consent mode and registration policy. */
import { describe, expect, it } from "vitest";
import { consentPolicy, registrationPolicy } from "../../../infra/policy/policies/authgent-settings.ts";
import { imageDigestPolicy } from "../../../infra/policy/policies/image-digest.ts";
import { RESOURCE_TYPES } from "../../../infra/policy/resources.ts";
import { remoteImage } from "./fixtures.ts";
import { violations, type FakeResource } from "./policy-harness.ts";

const DIGEST = `sha256:${"ab12".repeat(16)}`;

/** The image the stack builds: its base recorded in the OCI label, as the component sets it. */
function builtImage(base: string, stack = "production"): FakeResource {
  return {
    type: RESOURCE_TYPES.remoteImage,
    name: "authgent-image",
    stack,
    props: { name: "authgent-edge/authgent-server:0.3.4-0123456789ab", build: { context: "../dist/authgent-image/0123456789ab", label: { "org.opencontainers.image.base.name": base } } },
  };
}

/** The Authgent container with these settings (plus the server URL that marks it as authgent-server). */
function authgentContainer(settings: Record<string, string>, stack = "production", extra: unknown[] = []): FakeResource {
  const envs = [...Object.entries({ AUTHGENT_SERVER_URL: "https://auth.yourcompany.com", ...settings }).map(([k, v]) => `${k}=${v}`), ...extra];
  return { type: RESOURCE_TYPES.dockerContainer, name: "authgent-container", stack, props: { name: "authgent", envs } };
}

describe("authgent-image-pinned-by-digest", () => {
  it.each([`ghcr.io/acme/authgent-server@${DIGEST}`, `ghcr.io/acme/authgent-server:1.4.2@${DIGEST}`])("passes a pulled %s in production", async (image) => {
    expect(await violations(imageDigestPolicy, remoteImage(image))).toEqual([]);
  });

  it.each(["ghcr.io/acme/authgent-server:1", "ghcr.io/acme/authgent-server", "ghcr.io/acme/authgent-server@sha256:short"])("flags a pulled %s in production", async (image) => {
    expect(await violations(imageDigestPolicy, remoteImage(image))).toEqual([expect.stringContaining(`Image "${image}" is not pinned by digest`)]);
  });

  it("passes the build on a digest-pinned base, and flags a tag-only base naming authgent.build.baseImage", async () => {
    expect(await violations(imageDigestPolicy, builtImage(`python:3.12-slim@${DIGEST}`))).toEqual([]);
    expect(await violations(imageDigestPolicy, builtImage("python:3.12-slim"))).toEqual([
      'The base image "python:3.12-slim" of the Authgent build is not pinned by digest, so every pull may run a different build. Find the digest of the build you tested ' +
        "with `docker buildx imagetools inspect python:3.12-slim` and set authgent.build.baseImage to python:3.12-slim@sha256:<digest> in Pulumi.production.yaml.",
    ]);
  });

  it("lets staging follow a tag", async () => {
    expect(await violations(imageDigestPolicy, remoteImage("ghcr.io/acme/authgent-server:1", "staging"))).toEqual([]);
    expect(await violations(imageDigestPolicy, builtImage("python:3.12-slim", "staging"))).toEqual([]);
  });

  it("names the key of each image: authgent.image, authgent.tls.image, authgent.database.image", async () => {
    expect(await violations(imageDigestPolicy, remoteImage("ghcr.io/acme/authgent-server:1"))).toEqual([expect.stringContaining("set authgent.image to ghcr.io/acme/authgent-server:1@sha256:<digest>")]);
    expect(await violations(imageDigestPolicy, remoteImage("caddy:2", "production", "authgent-caddy-image"))).toEqual([expect.stringContaining("set authgent.tls.image to caddy:2@sha256:<digest>")]);
    expect(await violations(imageDigestPolicy, remoteImage("postgres:16-alpine", "production", "authgent-postgres-image"))).toEqual([
      expect.stringContaining("set authgent.database.image to postgres:16-alpine@sha256:<digest>"),
    ]);
  });

  it("replaces a malformed digest rather than appending a second one", async () => {
    expect(await violations(imageDigestPolicy, remoteImage("ghcr.io/acme/authgent-server@sha256:short"))).toEqual([
      expect.stringContaining("set authgent.image to ghcr.io/acme/authgent-server@sha256:<digest> in"),
    ]);
  });
});

describe("authgent-consent-not-auto-approve", () => {
  it("passes a consent page and headless mode", async () => {
    expect(await violations(consentPolicy, authgentContainer({ AUTHGENT_CONSENT_MODE: "ui" }))).toEqual([]);
    expect(await violations(consentPolicy, authgentContainer({ AUTHGENT_CONSENT_MODE: "headless" }))).toEqual([]);
  });

  it("flags auto_approve, and a missing setting (the server's default), in production only", async () => {
    const message = expect.stringContaining("AUTHGENT_CONSENT_MODE=auto_approve: every /authorize request from any registered client gets a code");
    expect(await violations(consentPolicy, authgentContainer({ AUTHGENT_CONSENT_MODE: "auto_approve" }))).toEqual([message]);
    expect(await violations(consentPolicy, authgentContainer({}))).toEqual([message]);
    expect(await violations(consentPolicy, authgentContainer({ AUTHGENT_CONSENT_MODE: "auto_approve" }, "staging"))).toEqual([]);
  });

  it("ignores containers that are not authgent-server (Caddy, Postgres)", async () => {
    const postgres: FakeResource = { type: RESOURCE_TYPES.dockerContainer, name: "authgent-postgres", props: { envs: ["POSTGRES_USER=authgent"] } };
    expect(await violations(consentPolicy, postgres)).toEqual([]);
  });
});

describe("authgent-registration-not-open", () => {
  it("passes token and admin registration, reading past secret entries without echoing them", async () => {
    const secret = "[secret]";
    expect(await violations(registrationPolicy, authgentContainer({ AUTHGENT_REGISTRATION_POLICY: "token" }, "production", [secret]))).toEqual([]);
    expect(await violations(registrationPolicy, authgentContainer({ AUTHGENT_REGISTRATION_POLICY: "admin" }))).toEqual([]);
  });

  it("flags open registration (also when unset: the server's default) in production", async () => {
    const message = expect.stringContaining("AUTHGENT_REGISTRATION_POLICY=open, and authgent-server authenticates no one at /authorize");
    expect(await violations(registrationPolicy, authgentContainer({ AUTHGENT_REGISTRATION_POLICY: "open" }))).toEqual([message]);
    expect(await violations(registrationPolicy, authgentContainer({}))).toEqual([message]);
    expect(await violations(registrationPolicy, authgentContainer({ AUTHGENT_REGISTRATION_POLICY: "open" }, "staging"))).toEqual([]);
  });

  it("accepts open registration recorded as a decision in the policy config", async () => {
    expect(await violations(registrationPolicy, authgentContainer({ AUTHGENT_REGISTRATION_POLICY: "open" }), { allowOpenRegistration: true })).toEqual([]);
  });
});

describe("the settings policies on the Kubernetes target (authgent.kubernetes)", () => {
  /** The settings ConfigMap the AuthgentCluster component declares. */
  function settingsConfigMap(settings: Record<string, string>, stack = "production"): FakeResource {
    return { type: RESOURCE_TYPES.kubernetesConfigMap, name: "authgent-settings", stack, props: { data: { AUTHGENT_SERVER_URL: "https://auth.yourcompany.com", ...settings } } };
  }

  it("flags auto_approve consent and open registration read from the settings ConfigMap", async () => {
    expect(await violations(consentPolicy, settingsConfigMap({ AUTHGENT_CONSENT_MODE: "auto_approve" }))).toEqual([expect.stringContaining("AUTHGENT_CONSENT_MODE=auto_approve")]);
    expect(await violations(registrationPolicy, settingsConfigMap({ AUTHGENT_REGISTRATION_POLICY: "open" }))).toEqual([expect.stringContaining("AUTHGENT_REGISTRATION_POLICY=open")]);
  });

  it("passes a consent page and token registration, and ignores other ConfigMaps", async () => {
    expect(await violations(consentPolicy, settingsConfigMap({ AUTHGENT_CONSENT_MODE: "ui" }))).toEqual([]);
    expect(await violations(registrationPolicy, settingsConfigMap({ AUTHGENT_REGISTRATION_POLICY: "token" }))).toEqual([]);
    const other: FakeResource = { type: RESOURCE_TYPES.kubernetesConfigMap, name: "app-config", props: { data: { LOG_LEVEL: "debug" } } };
    expect(await violations(consentPolicy, other)).toEqual([]);
    expect(await violations(registrationPolicy, other)).toEqual([]);
  });
});

describe("authgent-image-pinned-by-digest on the Kubernetes target", () => {
  function workload(type: string, name: string, image: string, stack = "production"): FakeResource {
    return { type, name, stack, props: { spec: { template: { spec: { containers: [{ name: "c", image }] } } } } };
  }

  it("flags the in-cluster Postgres by tag in production, naming authgent.database.image", async () => {
    expect(await violations(imageDigestPolicy, workload(RESOURCE_TYPES.kubernetesStatefulSet, "authgent-postgres", "postgres:16-alpine"))).toEqual([
      expect.stringContaining("set authgent.database.image to postgres:16-alpine@sha256:<digest> in Pulumi.production.yaml"),
    ]);
    expect(await violations(imageDigestPolicy, workload(RESOURCE_TYPES.kubernetesStatefulSet, "authgent-postgres", "postgres:16-alpine", "staging"))).toEqual([]);
  });

  it("passes digest-pinned server and bootstrap images, and ignores workloads that are not the component's", async () => {
    const pinned = `registry.yourcompany.com/authgent-server@${DIGEST}`;
    expect(await violations(imageDigestPolicy, workload(RESOURCE_TYPES.kubernetesDeployment, "authgent-deployment", pinned))).toEqual([]);
    expect(await violations(imageDigestPolicy, workload(RESOURCE_TYPES.kubernetesJob, "authgent-bootstrap", pinned))).toEqual([]);
    expect(await violations(imageDigestPolicy, workload(RESOURCE_TYPES.kubernetesDeployment, "authgent-deployment", "registry.yourcompany.com/authgent-server:1"))).toEqual([
      expect.stringContaining("set authgent.image to registry.yourcompany.com/authgent-server:1@sha256:<digest>"),
    ]);
    expect(await violations(imageDigestPolicy, workload(RESOURCE_TYPES.kubernetesDeployment, "metrics-exporter", "prom/exporter:latest"))).toEqual([]);
  });
});
