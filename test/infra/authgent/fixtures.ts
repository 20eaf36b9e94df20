import { randomBytes } from "node:crypto";
import { authgentConfigSchema, type AuthgentConfig, type AuthgentConfigInput } from "../../../infra/authgent/config.ts";

/** An AUTHGENT_SECRET_KEY as `npm run keygen` makes it, generated per run so none lives in the repository. */
export const TEST_SECRET_KEY = randomBytes(32).toString("hex");

/** The production shape: the issuer behind Caddy on an SSH-reached VPS. */
export const BASE_INPUT: AuthgentConfigInput = {
  host: "ssh://deploy@vps.yourcompany.com",
  issuer: "https://auth.yourcompany.com",
  secretKey: TEST_SECRET_KEY,
};

export function authgentConfig(overrides: Partial<AuthgentConfigInput> = {}): AuthgentConfig {
  return authgentConfigSchema.parse({ ...BASE_INPUT, ...overrides });
}

/** What an `authgent:` block with the default build, SQLite and Caddy declares, as the offline plan lists it (sorted by name). */
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
