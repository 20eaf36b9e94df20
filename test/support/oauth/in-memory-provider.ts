/**
 * What an interactive MCP client application supplies to the official SDK's
 * OAuth machinery (`OAuthClientProvider`, @modelcontextprotocol/sdk
 * client/auth.js), kept in memory. It "redirects" by recording the URL, so a
 * test plays the browser; everything else (discovery, registration, PKCE,
 * token exchange, refresh) is the SDK's own code. One class for the e2e,
 * script and interop suites.
 */
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";

export interface InMemoryOAuthProviderOptions {
  /** `client_name` sent at registration. @default "authgent-edge test client" */
  readonly clientName?: string;
  /** `scope` sent at registration (RFC 7591 §2). @default none */
  readonly scope?: string;
  /** A client registered out of band: the SDK then skips dynamic registration. @default none */
  readonly client?: OAuthClientInformationMixed;
}

export class InMemoryOAuthProvider implements OAuthClientProvider {
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier: string | undefined;
  /** Every authorization URL the SDK sent the "user" to, oldest first. */
  readonly authorizationUrls: URL[] = [];
  /** Every token set the SDK saved, oldest first (initial grant, refreshes, re-authorizations). */
  readonly savedTokens: OAuthTokens[] = [];
  readonly #options: InMemoryOAuthProviderOptions;

  constructor(
    /** Where the authorization server sends the browser back (never fetched: the test reads the Location). */
    readonly redirectUrl: string,
    options: InMemoryOAuthProviderOptions | string = {},
  ) {
    this.#options = typeof options === "string" ? { clientName: options } : options;
    this.#client = this.#options.client;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.#options.clientName ?? "authgent-edge test client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      // A public client (OAuth 2.1 §2.1): PKCE protects its code.
      token_endpoint_auth_method: "none",
      ...(this.#options.scope ? { scope: this.#options.scope } : {}),
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#client = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
    this.savedTokens.push(tokens);
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error("no PKCE code verifier saved");
    return this.#verifier;
  }
  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): void {
    if (scope === "all" || scope === "client") this.#client = undefined;
    if (scope === "all" || scope === "tokens") this.#tokens = undefined;
    if (scope === "all" || scope === "verifier") this.#verifier = undefined;
  }

  /** The authorization URL the SDK produced last. */
  get lastAuthorizationUrl(): URL {
    const url = this.authorizationUrls.at(-1);
    if (!url) throw new Error("the SDK never asked for authorization");
    return url;
  }
}
