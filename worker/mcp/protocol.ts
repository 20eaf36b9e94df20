import { UnsupportedProtocolVersionError } from "./errors.ts";

/**
 * MCP revisions with the `initialize` handshake (2025 "eras"), newest first.
 * `initialize` negotiates one of these.
 */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
export type LegacyProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];

/**
 * MCP 2026-07-28: stateless, no `initialize`; every request names its
 * revision in `_meta` and the `MCP-Protocol-Version` header.
 */
export const MODERN_PROTOCOL_VERSION = "2026-07-28";

/** Every revision a request may declare, newest first (`server/discover` lists the modern one). */
export const ALL_PROTOCOL_VERSIONS = [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS] as const;
export type ProtocolVersion = (typeof ALL_PROTOCOL_VERSIONS)[number];

export const LATEST_PROTOCOL_VERSION: LegacyProtocolVersion = SUPPORTED_PROTOCOL_VERSIONS[0];

/**
 * MCP 2025-06-18 "Protocol Version Header": without the header (and no other
 * way to tell) a server assumes 2025-03-26, the revision before the header.
 */
export const DEFAULT_PROTOCOL_VERSION: LegacyProtocolVersion = "2025-03-26";

export const PROTOCOL_VERSION_HEADER = "mcp-protocol-version";

export function isSupportedProtocolVersion(version: unknown): version is LegacyProtocolVersion {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly unknown[]).includes(version);
}

/**
 * MCP lifecycle "Version Negotiation": echo the client's version when we
 * support it, otherwise offer our latest handshake revision (the client
 * disconnects if it cannot use it). 2026-07-28 has no `initialize`.
 */
export function negotiateProtocolVersion(requested: string): LegacyProtocolVersion {
  return isSupportedProtocolVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

/**
 * The revision a request declares in its header. MCP 2025-06-18+: an invalid
 * or unsupported `MCP-Protocol-Version` MUST be answered with 400 (2026-07-28
 * "Protocol Version Header": with `UnsupportedProtocolVersionError`).
 */
export function requestProtocolVersion(headers: Headers): ProtocolVersion {
  const value = headers.get(PROTOCOL_VERSION_HEADER);
  if (value === null) return DEFAULT_PROTOCOL_VERSION;
  const version = value.trim();
  if (!(ALL_PROTOCOL_VERSIONS as readonly string[]).includes(version)) throw new UnsupportedProtocolVersionError(ALL_PROTOCOL_VERSIONS, version);
  return version as ProtocolVersion;
}
