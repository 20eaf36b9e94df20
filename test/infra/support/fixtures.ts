/** Stack configs built in memory for the infra tests. */
import { parseStackConfig, type FleetConfig, type StackConfigInput } from "../../../infra/config.ts";

export const ACCOUNT_ID = "0123456789abcdef0123456789abcdef";
export const ZONE_ID = "fedcba9876543210fedcba9876543210";

/** A valid single-server config; tests mutate copies of it. */
export function baseValues(): Record<string, unknown> {
  return {
    accountId: ACCOUNT_ID,
    defaults: { issuer: "https://auth.example.com", zoneId: ZONE_ID },
    servers: [{ name: "alpha", audience: "https://alpha.example.com", customDomain: "alpha.example.com" }],
  };
}

export function input(values: Record<string, unknown>, plaintextSecretPaths: string[] = [], stack = "test"): StackConfigInput {
  return { stack, values, plaintextSecretPaths };
}

/** `count` servers sharing defaults: every third has a route, every fifth a secret, one overrides its rate limit. */
export function fleetValues(count: number): Record<string, unknown> {
  const servers: Record<string, unknown>[] = [];
  const secrets: Record<string, Record<string, string>> = {};
  for (let i = 0; i < count; i++) {
    const name = `mcp-${String(i).padStart(2, "0")}`;
    const server: Record<string, unknown> = { name, audience: `https://${name}.example.com`, customDomain: `${name}.example.com` };
    if (i % 3 === 0) server["routes"] = [`${name}.example.com/legacy/*`];
    if (i % 5 === 0) {
      server["secrets"] = ["UPSTREAM_API_KEY"];
      secrets[name] = { UPSTREAM_API_KEY: `value-of-${name}` };
    }
    if (i === 7) server["rateLimitPerMinute"] = 600;
    servers.push(server);
  }
  return {
    accountId: ACCOUNT_ID,
    defaults: { issuer: "https://auth.example.com", zoneId: ZONE_ID, jwksCacheTtl: 600 },
    servers,
    secrets,
  };
}

export function fleet(count: number, stack = "fleet"): FleetConfig {
  return parseStackConfig(input(fleetValues(count), [], stack));
}
