/** The authenticated caller, as the rest of the worker sees it. */
export interface Principal {
  /** `iss`, equal to the configured issuer. */
  readonly issuer: string;
  /** `sub` (RFC 7519 §4.1.2), non-empty. */
  readonly subject: string;
  /** `client_id` (RFC 9068 §2.2), when the token carries one. */
  readonly clientId: string | undefined;
  /** The raw `scope` claim (RFC 8693 §4.2), "" when absent. */
  readonly scope: string;
  /** `scope` split on single spaces; compared case-sensitively. */
  readonly scopes: ReadonlySet<string>;
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number;
  /**
   * RFC 9449 §6.1 `cnf.jkt`: the token is bound to the DPoP key with this
   * RFC 7638 thumbprint and is usable only with a proof signed by it. Absent
   * for an unbound (plain bearer) token.
   */
  readonly dpopJkt?: string;
  readonly email: string | undefined;
  readonly name: string | undefined;
}

/** Stable per-user key: the Durable Object name and rate-limit key. Never client-chosen. */
export function principalKey(principal: Pick<Principal, "issuer" | "subject">): string {
  return `${principal.issuer}|${principal.subject}`;
}

export function hasScope(principal: Pick<Principal, "scopes">, scope: string): boolean {
  return principal.scopes.has(scope);
}
