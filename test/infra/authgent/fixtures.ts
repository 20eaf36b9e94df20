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
