/**
 * What an interactive MCP client application supplies to the official SDK's
 * OAuth machinery (`OAuthClientProvider`, @modelcontextprotocol/sdk
 * client/auth.js), kept in memory, plus the "browser" that visits the
 * authorization URL. Nothing is pasted: the SDK discovers, registers and
 * exchanges; the test only plays the user agent.
 */
export { InMemoryOAuthProvider } from "../oauth/in-memory-provider.ts";

/**
 * The user agent: follows the authorization URL to Authgent, which in its
 * default `auto_approve` consent mode redirects straight back
 * (endpoints/authorize.py `authorize_get`), and returns the code from the
 * redirect. Checks RFC 9207 `iss` and the echoed `state` on the way.
 */
export async function approveInBrowser(authorizationUrl: URL, issuer: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status !== 302 || location === null) {
    throw new Error(`authorization did not redirect back (${response.status}): ${(await response.text()).slice(0, 500)}`);
  }
  const back = new URL(location);
  if (back.searchParams.get("iss") !== issuer) throw new Error(`redirect iss ${back.searchParams.get("iss")} is not ${issuer} (RFC 9207)`);
  const state = authorizationUrl.searchParams.get("state");
  if (state !== null && back.searchParams.get("state") !== state) throw new Error("redirect state does not match");
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`redirect carries no code: ${back.searchParams.get("error") ?? "no error either"}`);
  return code;
}

/**
 * Works around an incompatibility between authgent-server 0.3.4 and the MCP
 * SDK 1.32.2 client: `/register` answers unset optional metadata as JSON
 * `null` (schemas/client.py `RegisterResponse`: `client_uri: str | None = None`,
 * likewise jwks_uri, software_id, software_version, software_statement), and
 * the SDK's `OAuthClientInformationFullSchema` accepts a string or an absent
 * member, not null, so registration fails with a ZodError. RFC 7591 §3.2.1
 * returns the registered metadata; a member nobody registered is best left
 * out, which is what this does to the registration response only.
 */
export function dropNullRegistrationMembers(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    // Read without constructing a Request: that would consume a Request input's body.
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const url = input instanceof Request ? input.url : String(input);
    const response = await inner(input, init);
    if (method !== "POST" || !new URL(url).pathname.endsWith("/register") || !response.ok) return response;
    const body = (await response.json()) as Record<string, unknown>;
    const kept = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
    return new Response(JSON.stringify(kept), { status: response.status, headers: response.headers });
  };
}

/** One request the SDK made, as `recordingFetch` saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** Form body of a token request, when there was one (`grant_type`, ...). */
  readonly form: URLSearchParams | undefined;
}

/** A `fetch` for the SDK transport that records each request and its status. */
export function recordingFetch(log: RecordedRequest[], inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const type = request.headers.get("content-type") ?? "";
    const form = type.includes("application/x-www-form-urlencoded") ? new URLSearchParams(await request.clone().text()) : undefined;
    const response = await inner(request);
    log.push({ method: request.method, url: request.url, status: response.status, form });
    return response;
  };
}
