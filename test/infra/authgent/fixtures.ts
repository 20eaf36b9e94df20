import { generateSigningKey } from "../../../infra/authgent/signing-key.ts";
import { authgentConfigSchema, type AuthgentConfig, type AuthgentConfigInput } from "../../../infra/authgent/config.ts";

/** A real ES256 PKCS#8 key, generated per test run so no private key lives in the repository. */
export const TEST_SIGNING_KEY = (await generateSigningKey()).pkcs8Pem;

/** The production shape: the seed's issuer behind Caddy on an SSH-reached VPS. */
export const BASE_INPUT: AuthgentConfigInput = {
  host: "ssh://deploy@vps.yourcompany.com",
  issuer: "https://auth.yourcompany.com",
  signingKey: TEST_SIGNING_KEY,
};

export function authgentConfig(overrides: Partial<AuthgentConfigInput> = {}): AuthgentConfig {
  return authgentConfigSchema.parse({ ...BASE_INPUT, ...overrides });
}

/** What an `authgent:` block with the default Caddy proxy declares, as the offline plan lists it (sorted by name). */
export const AUTHGENT_PLAN_RESOURCES = [
  { type: "authgent-edge:authgent:AuthgentServer", name: "authgent", parent: null },
  { type: "docker:index/container:Container", name: "authgent-caddy", parent: "authgent" },
  { type: "docker:index/volume:Volume", name: "authgent-caddy-config", parent: "authgent" },
  { type: "docker:index/volume:Volume", name: "authgent-caddy-data", parent: "authgent" },
  { type: "docker:index/remoteImage:RemoteImage", name: "authgent-caddy-image", parent: "authgent" },
  { type: "docker:index/container:Container", name: "authgent-container", parent: "authgent" },
  { type: "docker:index/volume:Volume", name: "authgent-data", parent: "authgent" },
  { type: "pulumi:providers:docker", name: "authgent-docker", parent: "authgent" },
  { type: "docker:index/remoteImage:RemoteImage", name: "authgent-image", parent: "authgent" },
  { type: "docker:index/network:Network", name: "authgent-network", parent: "authgent" },
] as const;
