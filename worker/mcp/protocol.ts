import { UnsupportedProtocolVersionError } from "./errors.ts";

/** MCP revisions this server speaks, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
export type ProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];

export const LATEST_PROTOCOL_VERSION: ProtocolVersion = SUPPORTED_PROTOCOL_VERSIONS[0];

/**
 * MCP 2025-06-18 "Protocol Version Header": without the header (and no other
 * way to tell) a server assumes 2025-03-26, the revision before the header.
 */
export const DEFAULT_PROTOCOL_VERSION: ProtocolVersion = "2025-03-26";

export const PROTOCOL_VERSION_HEADER = "mcp-protocol-version";

export function isSupportedProtocolVersion(version: unknown): version is ProtocolVersion {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly unknown[]).includes(version);
}

/**
 * MCP lifecycle "Version Negotiation": echo the client's version when we
 * support it, otherwise offer our latest (the client disconnects if it
 * cannot use it).
 */
export function negotiateProtocolVersion(requested: string): ProtocolVersion {
  return isSupportedProtocolVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

/**
 * The revision a non-initialize request declares. MCP 2025-06-18+: an invalid
 * or unsupported `MCP-Protocol-Version` MUST be answered with 400.
 */
export function requestProtocolVersion(headers: Headers): ProtocolVersion {
  const value = headers.get(PROTOCOL_VERSION_HEADER);
  if (value === null) return DEFAULT_PROTOCOL_VERSION;
  const version = value.trim();
  if (!isSupportedProtocolVersion(version)) throw new UnsupportedProtocolVersionError(SUPPORTED_PROTOCOL_VERSIONS);
  return version;
}
