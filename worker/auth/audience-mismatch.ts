/** Longest `aud` rendering put in a log line, characters. */
const MAX_LOGGED_AUD = 200;

/**
 * The internal (logged, never sent) reason a token's `aud` was refused.
 * `aud` is public routing data, not a credential, so naming it is safe; the
 * point is to tell an operator what the client did wrong.
 *
 * The common case with Authgent: a client asked for a token without RFC 8707
 * `resource`, and authgent-server then sets `aud` to its own URL
 * (token_service.py `_handle_client_credentials`: `resource or
 * settings.server_url`).
 */
export function audienceMismatchReason(aud: unknown, expected: { readonly issuer: string; readonly audience: string }): string {
  const values = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (values.length > 0 && values.every((value) => value === expected.issuer)) {
    return (
      `aud is the issuer's own URL ("${expected.issuer}"), not this resource ("${expected.audience}"): ` +
      `the client requested the token without resource=${expected.audience} (RFC 8707 §2)`
    );
  }
  if (aud === undefined) return `aud is missing; it must list this resource ("${expected.audience}")`;
  const shown = JSON.stringify(aud) ?? String(aud);
  const clipped = shown.length > MAX_LOGGED_AUD ? `${shown.slice(0, MAX_LOGGED_AUD)}…` : shown;
  return `aud ${clipped} does not list this resource ("${expected.audience}")`;
}
