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
  /**
   * RFC 8693 §4.1 `act`, flattened: who acts for `subject`, current actor
   * first, then the actors before it. Absent or empty when nobody acts for
   * the subject (the token was not obtained by token exchange).
   */
  readonly actors?: readonly string[];
  /**
   * True when `sub` is one the issuer gives to several humans (the worker's
   * `SHARED_SUBJECTS`); such a token always carries `client_id`, and
   * per-user state is keyed by it too. Absent means false.
   */
  readonly sharedSubject?: boolean;
}

/**
 * Stable per-user key: the Durable Object name and rate-limit key. Never
 * client-chosen: every part comes from a verified token.
 *
 * `iss|sub` (RFC 9068 §2.2: sub identifies the resource owner, unique per
 * issuer), kept byte for byte so existing deployments keep their data. A
 * subject the issuer shares among humans (authgent-server 0.3.4 signs every
 * browser login in as "auto_approved_user" or "consent_user",
 * endpoints/authorize.py) would merge all of them into one object, so it is
 * keyed by the client installation as well: `["iss","sub","client_id"]` as
 * JSON, which cannot collide with an `iss|sub` key (those start with the
 * issuer URL, never with `[`).
 */
export function principalKey(
  principal: Pick<Principal, "issuer" | "subject" | "sharedSubject"> & { readonly clientId?: string | undefined },
): string {
  if (principal.sharedSubject !== true) return `${principal.issuer}|${principal.subject}`;
  return JSON.stringify([principal.issuer, principal.subject, principal.clientId]);
}

export function hasScope(principal: Pick<Principal, "scopes">, scope: string): boolean {
  return principal.scopes.has(scope);
}
