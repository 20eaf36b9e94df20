import type { AuthScheme } from "../auth/errors.ts";
import type { WorkerConfig } from "../config.ts";

/** RFC 6750 §3 error parameters and the scheme whose challenge carries them. */
export interface ChallengeFault {
  /** "any": the failure concerns every scheme (RFC 6750 §3.1 insufficient_scope). */
  readonly scheme: AuthScheme | "any";
  /** Rendered auth-params, e.g. `error="invalid_token"`. */
  readonly params: readonly string[];
}

/**
 * The `WWW-Authenticate` value for `/mcp`: a `Bearer` challenge where Bearer
 * is accepted, then a `DPoP` challenge with `algs` (RFC 9449 §7.1, §7.2
 * "Bearer, DPoP algs=…" when both are supported). Bearer comes first because
 * MCP clients read only a leading Bearer challenge for `resource_metadata`
 * (the MCP TypeScript SDK's `extractWWWAuthenticateParams`). Error
 * parameters go on the challenge of the scheme that failed; a Bearer failure
 * on a DPoP-only server is reported on the DPoP challenge.
 *
 * `scopes`, when not empty, goes on every challenge as `scope` (RFC 6750 §3;
 * RFC 9449 §7.1 challenges take the same auth-params): MCP 2025-11-25
 * "Protected Resource Metadata Discovery Requirements" says servers SHOULD
 * name the scopes needed, and its "Scope Selection Strategy" has clients
 * request exactly those before falling back to `scopes_supported`.
 *
 * `config` null (a broken configuration): a bare Bearer challenge.
 */
export function authChallenge(config: WorkerConfig | null, fault?: ChallengeFault, scopes: readonly string[] = []): string {
  if (config === null) return challenge("Bearer", fault?.params ?? []);
  // RFC 9728 §5.1: resource_metadata tells the client where to start discovery.
  const metadata = `resource_metadata="${config.resourceMetadataUrl}"`;
  const hint = scopes.length > 0 ? [`scope="${scopes.join(" ")}"`] : [];
  const faultOn = (scheme: AuthScheme): readonly string[] => {
    if (!fault) return hint;
    if (fault.scheme === "any" || fault.scheme === scheme) return [...fault.params, ...hint];
    return scheme === "DPoP" && config.requireDpop ? [...fault.params, ...hint] : hint;
  };
  const dpop = challenge("DPoP", [...faultOn("DPoP"), `algs="${config.dpopAlgorithms.join(" ")}"`, metadata]);
  if (config.requireDpop) return dpop;
  return `${challenge("Bearer", [...faultOn("Bearer"), metadata])}, ${dpop}`;
}

function challenge(scheme: AuthScheme, params: readonly string[]): string {
  return params.length ? `${scheme} ${params.join(", ")}` : scheme;
}
