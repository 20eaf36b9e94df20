/**
 * The development authorization server `npm start` runs: a real OAuth 2.1
 * authorization server built on oidc-provider (panva/node-oidc-provider 8.8.1),
 * so any OAuth-capable MCP client can connect to the local worker without a
 * pasted token. It serves:
 *
 * - RFC 8414 metadata, at the path-inserted URL (§3.1) MCP clients try first
 *   and at the OpenID discovery URLs;
 * - RFC 7591 dynamic client registration (open: this is a loopback dev server);
 * - authorization code with PKCE S256 (OAuth 2.1 §4.1; required for every
 *   client) and RFC 8707 `resource`, refresh tokens, and client credentials;
 * - an automatic consent page that says it is for development and grants
 *   exactly the requested scopes the resource has (so the worker's 403
 *   `insufficient_scope` step-up happens locally too).
 *
 * Access tokens are shaped like Authgent's (authgent-server
 * services/token_service.py): a JWS signed with the tenant's key (`kid`),
 * `typ: JWT`, `iss`, `sub` (the user, or `client:<client_id>` for client
 * credentials), `aud` = the resource, `client_id`, a space-separated `scope`
 * string, `jti`, `iat`, `exp`.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider, { errors, type ClientRecord, type Configuration, type IssuedToken, type StructuredJwt } from "oidc-provider";
import type { JWK } from "jose";
import { DevAuthorizationStore } from "./dev-as-store.ts";
import { CONSENT_PAGE_DELAY_SECONDS, consentPage, errorPage } from "./dev-consent-page.ts";

export interface DevAuthorizationServerOptions {
  /** Issuer URL, e.g. `http://127.0.0.1:8788/t/dev`; tokens' `iss`. */
  readonly issuer: string;
  /** The private signing key as a JWK, with `kid` and `alg` (the tenant's, so its JWKS verifies the tokens). */
  readonly signingKey: JWK;
  /** Resources (RFC 8707 values, tokens' `aud`) this server issues tokens for, each with the scopes it has. */
  readonly resources: Readonly<Record<string, readonly string[]>>;
  /** Access token lifetime, seconds. @default 3600 */
  readonly accessTokenTtlSeconds?: number;
  /** The user everyone is signed in as (tokens' `sub`). @default "dev-user" */
  readonly account?: string;
}

export interface DevAuthorizationServer {
  readonly issuer: string;
  /**
   * Replaces `resources` (e.g. with the scopes the served worker's RFC 9728
   * metadata lists, known only once it runs). Only before the first request:
   * registered clients and grants are checked against the scopes in force.
   */
  setResources(resources: Readonly<Record<string, readonly string[]>>): void;
  /** Serves the request if it belongs to this server; resolves false (nothing written) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
const DEFAULT_ACCOUNT = "dev-user";
/** Refresh tokens outlive restarts of the client, not of `npm start` (storage is in memory). */
const REFRESH_TOKEN_TTL_SECONDS = 14 * 24 * 60 * 60;
/** Scopes oidc-provider itself understands; resource scopes come from `resources`. */
const OIDC_SCOPES = ["openid", "offline_access"] as const;

export function createDevAuthorizationServer(options: DevAuthorizationServerOptions): DevAuthorizationServer {
  const issuerPath = new URL(options.issuer).pathname.replace(/\/$/, "");
  const account = options.account ?? DEFAULT_ACCOUNT;
  const ttl = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const alg = options.signingKey.alg;
  if (alg === undefined || options.signingKey.kid === undefined) throw new Error("signingKey needs alg and kid");
  let resources = new Map(Object.entries(options.resources));
  // Built on first use, so `setResources` can still change what it serves.
  let started: StartedProvider | undefined;
  const start = (): StartedProvider => (started ??= buildProvider(options, resources, ttl, alg));

  /**
   * oidc-provider derives its mount path from `originalUrl` minus `url`
   * (lib/helpers/oidc_context.js urlFor), so every request reaches it as if
   * addressed under the issuer path, including the path-inserted metadata URL.
   */
  const toProvider = (req: IncomingMessage, res: ServerResponse, providerPath: string): void => {
    Object.assign(req, { originalUrl: `${issuerPath}${providerPath}`, url: providerPath });
    start().callback(req, res);
  };

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { provider, providerScopes, onlyResource } = start();
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params.client_id ?? "");
    const client = await provider.Client.find(clientId);
    const requested = String(details.params.scope ?? "").split(" ").filter((s) => s !== "");
    const asked = details.params.resource ?? onlyResource;
    const targets = (Array.isArray(asked) ? asked : [asked]).filter((r): r is string => typeof r === "string");
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId: account, clientId });
    const granted = targets.map((resource) => {
      // Only what was asked for, and only what the resource has.
      const scopes = requested.filter((s) => resources.get(resource)?.includes(s));
      if (scopes.length > 0) grant.addResourceScope(resource, scopes.join(" "));
      return { resource, scopes };
    });
    // Scopes in the provider's list must also be granted as such, or its consent check asks again.
    const listed = requested.filter((s) => providerScopes.includes(s));
    if (listed.length > 0) grant.addOIDCScope(listed.join(" "));
    const grantId = await grant.save();
    const continueUrl = await provider.interactionResult(req, res, { login: { accountId: account }, consent: { grantId } }, { mergeWithLastSubmission: false });
    const page = consentPage({ continueUrl, clientName: client?.clientName ?? clientId, account, grants: granted });
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      refresh: `${CONSENT_PAGE_DELAY_SECONDS}; url=${continueUrl}`,
    });
    res.end(page);
  }

  return {
    issuer: options.issuer,
    setResources(next) {
      if (started) throw new Error("setResources: the authorization server has already served requests");
      resources = new Map(Object.entries(next));
    },
    async handle(req, res) {
      const url = new URL(req.url ?? "/", options.issuer);
      // RFC 8414 §3.1 path insertion, and OpenID discovery inserted the same way.
      for (const wellKnown of ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]) {
        if (url.pathname === `${wellKnown}${issuerPath}`) {
          toProvider(req, res, `/.well-known/openid-configuration${url.search}`);
          return true;
        }
      }
      if (url.pathname !== issuerPath && !url.pathname.startsWith(`${issuerPath}/`)) return false;
      const rest = url.pathname.slice(issuerPath.length) || "/";
      if (/^\/interaction\/[\w-]+$/.test(rest) && req.method === "GET") {
        await interaction(req, res);
        return true;
      }
      if (rest === "/reg" && registrationCors(req, res)) return true;
      // RFC 8414 §3 also allows the path-appended form; oidc-provider serves it under the issuer.
      const providerPath = rest === "/.well-known/oauth-authorization-server" ? "/.well-known/openid-configuration" : rest;
      toProvider(req, res, `${providerPath}${url.search}`);
      return true;
    },
  };
}

interface StartedProvider {
  readonly provider: Provider;
  readonly callback: ReturnType<Provider["callback"]>;
  /** oidc-provider's own scope list: the OIDC scopes and every resource scope. */
  readonly providerScopes: readonly string[];
  /** The resource a request without `resource` gets, when there is exactly one. */
  readonly onlyResource: string | undefined;
}

/** The oidc-provider instance for `resources`, configured as the module comment says. */
function buildProvider(options: DevAuthorizationServerOptions, resources: ReadonlyMap<string, readonly string[]>, ttl: number, alg: string): StartedProvider {
  const issuerPath = new URL(options.issuer).pathname.replace(/\/$/, "");
  const [onlyResource] = resources.size === 1 ? [...resources.keys()] : [];
  const store = new DevAuthorizationStore();
  // oidc-provider checks a registered client's `scope` (RFC 7591 §2) against its
  // own scope list (lib/helpers/client_schema.js), and MCP SDK clients register
  // the resource's scopes, so the resource scopes are listed there too.
  const providerScopes = [...new Set([...OIDC_SCOPES, ...[...resources.values()].flat()])];

  const configuration: Configuration = {
    adapter: store.adapterClass(),
    jwks: { keys: [options.signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    scopes: providerScopes,
    // The local issuer serves the tenant's JWKS (with its failure modes) at Authgent's path; the metadata points there.
    routes: { jwks: "/.well-known/jwks.json" },
    responseTypes: ["code"],
    // OAuth 2.1 §4.1.1 / RFC 9700 §2.1.1: PKCE for every client, S256 only.
    pkce: { required: () => true, methods: ["S256"] },
    clientDefaults: { grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none", id_token_signed_response_alg: alg },
    // Browser-based MCP clients (the Inspector's web UI) call the token endpoint cross-origin.
    clientBasedCORS: () => true,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${issuerPath}/interaction/${interaction.uid}` },
    issueRefreshToken: async (_ctx: unknown, client: ClientRecord) => client.grantTypeAllowed("refresh_token"),
    ttl: { AccessToken: ttl, ClientCredentials: ttl, RefreshToken: REFRESH_TOKEN_TTL_SECONDS, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: REFRESH_TOKEN_TTL_SECONDS },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // RFC 8707 §2: a client that names no resource gets the one this server protects.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string[]) => (oneOf ? oneOf[0] : onlyResource),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => {
          const scopes = resources.get(resource);
          // RFC 8707 §2: a resource this server does not issue tokens for is invalid_target.
          if (scopes === undefined) throw new errors.InvalidTarget(`unknown resource; this server issues tokens for ${[...resources.keys()].join(", ")}`);
          return { scope: scopes.join(" "), audience: resource, accessTokenTTL: ttl, accessTokenFormat: "jwt", jwt: { sign: { alg, kid: options.signingKey.kid } } };
        },
      },
    },
    formats: { customizers: { jwt: shapeLikeAuthgent } },
    renderError: async (ctx: { type: string; body: string }, out: { error: string; error_description?: string }) => {
      ctx.type = "html";
      ctx.body = errorPage(out.error, out.error_description);
    },
  };
  const provider = new Provider(options.issuer, configuration);
  return { provider, callback: provider.callback(), providerScopes, onlyResource };
}

/**
 * Browser-based MCP clients (the Inspector's web UI) register from their own
 * origin, and oidc-provider answers CORS on its token, JWKS and discovery
 * routes but not on registration (lib/helpers/initialize_app.js). Registration
 * is open here anyway, so any origin may call it. True when the request was a
 * preflight and has been answered.
 */
function registrationCors(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("vary", "Origin");
  if (req.method !== "OPTIONS") return false;
  res.writeHead(204, {
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "content-type",
    "access-control-max-age": "3600",
  });
  res.end();
  return true;
}

/**
 * Authgent's access token shape (services/token_service.py): `typ: JWT`
 * (oidc-provider writes `at+jwt`, RFC 9068), and `sub` `client:<id>` for
 * tokens issued to a client on its own behalf.
 */
function shapeLikeAuthgent(_ctx: unknown, token: IssuedToken, jwt: StructuredJwt): void {
  jwt.header = { ...jwt.header, typ: "JWT" };
  if (token.accountId === undefined) jwt.payload.sub = `client:${token.clientId}`;
}
