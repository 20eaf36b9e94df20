/**
 * Plays the user's browser through the development authorization server's
 * authorization flow: follows redirects, keeps cookies, reads the consent
 * page, follows its continue link (the page's Refresh), and stops at the
 * client's redirect URI with the code. Real HTTP against the real server;
 * only the rendering is skipped.
 */
export interface AuthorizationOutcome {
  /** The redirect back to the client (its `redirect_uri` with `code` or `error`). */
  readonly callback: URL;
  /** HTML of the consent page that was shown on the way. */
  readonly consentPage: string;
}

export async function authorizeInBrowser(authorizationUrl: URL, redirectUri: string): Promise<AuthorizationOutcome> {
  const cookies = new Map<string, string>();
  let next = authorizationUrl.href;
  let consentPage = "";
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(redirectUri)) return { callback: new URL(next), consentPage };
    const response = await fetch(next, { redirect: "manual", headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";", 1);
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      next = new URL(location, next).href;
      await response.body?.cancel();
      continue;
    }
    const body = await response.text();
    const refresh = /url=(.+)$/.exec(response.headers.get("refresh") ?? "")?.[1];
    if (response.status === 200 && refresh) {
      consentPage = body;
      next = new URL(refresh, next).href;
      continue;
    }
    throw new Error(`authorization stopped at ${next}: HTTP ${response.status} ${body.slice(0, 300)}`);
  }
  throw new Error("authorization did not finish within 10 redirects");
}
