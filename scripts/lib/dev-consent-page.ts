/**
 * The page the development authorization server shows instead of a login and
 * consent screen. It approves at once and says so: this server exists for
 * `npm start`, signs everyone in as the same development user, and must never
 * stand in for Authgent anywhere else.
 */
export interface ConsentPageInput {
  /** Where the authorization continues (oidc-provider's resume URL). */
  readonly continueUrl: string;
  readonly clientName: string;
  readonly account: string;
  /** Granted per resource: exactly the scopes the client asked for that the resource has. */
  readonly grants: readonly { readonly resource: string; readonly scopes: readonly string[] }[];
}

/** Seconds the page stays up before continuing on its own. */
export const CONSENT_PAGE_DELAY_SECONDS = 1;

export function consentPage(input: ConsentPageInput): string {
  const rows = input.grants
    .map((g) => `<li><code>${escapeHtml(g.resource)}</code>: ${g.scopes.length ? g.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(" ") : "no scopes"}</li>`)
    .join("");
  const next = escapeHtml(input.continueUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${CONSENT_PAGE_DELAY_SECONDS};url=${next}">
<title>Development authorization server</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}.warn{background:#fff3cd;border:1px solid #e0c36b;padding:.75rem 1rem}</style>
</head>
<body>
<h1>Development authorization server</h1>
<p class="warn"><strong>For local development only.</strong> This is the authorization server <code>npm start</code> runs. It approves every request automatically, with no login, as <code>${escapeHtml(input.account)}</code>. Never use it in place of Authgent.</p>
<p>Approved for <strong>${escapeHtml(input.clientName)}</strong>, only what it asked for:</p>
<ul>${rows}</ul>
<p><a href="${next}">Continue</a> (continues by itself in ${CONSENT_PAGE_DELAY_SECONDS} s).</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page oidc-provider shows for an error it cannot send back to the client (e.g. an unknown redirect_uri). */
export function errorPage(error: string, description: string | undefined): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Development authorization server: ${escapeHtml(error)}</title></head>
<body>
<h1>Development authorization server</h1>
<p><strong>${escapeHtml(error)}</strong>${description ? `: ${escapeHtml(description)}` : ""}</p>
<p>For local development only (<code>npm start</code>).</p>
</body>
</html>
`;
}
