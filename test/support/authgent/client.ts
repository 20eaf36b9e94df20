/**
 * Thin HTTP calls to a running authgent-server, for tests that need a client
 * or a token without going through an MCP client. Each cites the endpoint it
 * drives; errors carry the server's status and OAuth error code, never a secret.
 */
import { AuthgentSetupError } from "../../../scripts/lib/authgent/errors.ts";

/** RFC 7591 §3.2.1 response, the fields tests use (schemas/client.py `RegisterResponse`). */
export interface RegisteredClient {
  readonly client_id: string;
  /** Always issued, even for `token_endpoint_auth_method: "none"` (client_service.py `register_client`). */
  readonly client_secret: string;
  readonly client_name: string;
  readonly grant_types: readonly string[];
  readonly redirect_uris: readonly string[];
  readonly scope: string;
}

/** RFC 7591 §2 metadata accepted by `/register` (schemas/client.py `RegisterRequest`). */
export interface RegisterClientRequest {
  /** @default "interop-test" */
  readonly client_name?: string;
  /** @default ["client_credentials"] (the server's default) */
  readonly grant_types?: readonly string[];
  readonly redirect_uris?: readonly string[];
  /** Space-separated; once set, `/token` refuses scopes outside it (client_service.py `validate_scopes`). */
  readonly scope?: string;
  readonly token_endpoint_auth_method?: string;
  /** Once set, `/token` refuses other `resource` values (client_service.py `validate_resource`). */
  readonly allowed_resources?: readonly string[];
}

/** RFC 6749 §5.1 (schemas/token.py `TokenResponse`). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly scope?: string;
  readonly refresh_token?: string;
}

export interface AuthgentClient {
  /** POST /register (endpoints/register.py `register_client`). */
  registerClient(request?: RegisterClientRequest): Promise<RegisteredClient>;
  /** POST /token with a form body (endpoints/token.py `token_endpoint`); `headers` e.g. a DPoP proof. */
  token(form: Readonly<Record<string, string>>, headers?: Readonly<Record<string, string>>): Promise<TokenResponse>;
  /**
   * client_credentials grant (token_service.py `_handle_client_credentials`):
   * `sub` = `client:<id>`, `aud` = `resource`, or the server URL when omitted.
   */
  clientCredentialsToken(options: { client: RegisteredClient; resource?: string; scope?: string }): Promise<TokenResponse>;
  /**
   * RFC 8693 token exchange (token_service.py `_handle_token_exchange`):
   * keeps the subject token's `sub`, sets `aud` to `resource` and nests
   * `act: { sub: "client:<actor id>", act: <previous act> }`
   * (delegation_service.py `build_delegated_claims`). `scope` must be within the subject token's.
   */
  exchangeToken(options: { actor: RegisteredClient; subjectToken: string; resource: string; scope: string }): Promise<TokenResponse>;
  /** GET a JSON document from the server, e.g. "/.well-known/oauth-authorization-server". */
  getJson(path: string): Promise<Record<string, unknown>>;
}

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

export function createAuthgentClient(origin: string): AuthgentClient {
  const token: AuthgentClient["token"] = async (form, headers = {}) => {
    const response = await fetch(`${origin}/token`, {
      method: "POST",
      // endpoints/token.py: anything but form encoding is refused.
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form),
    });
    return (await json(response, "POST /token")) as unknown as TokenResponse;
  };
  return {
    registerClient: async (request = {}) => {
      const response = await fetch(`${origin}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "interop-test", ...request }),
      });
      return (await json(response, "POST /register")) as unknown as RegisteredClient;
    },
    token,
    clientCredentialsToken: ({ client, resource, scope }) =>
      token({
        grant_type: "client_credentials",
        client_id: client.client_id,
        client_secret: client.client_secret,
        ...(resource === undefined ? {} : { resource }),
        ...(scope === undefined ? {} : { scope }),
      }),
    exchangeToken: ({ actor, subjectToken, resource, scope }) =>
      token({
        grant_type: TOKEN_EXCHANGE_GRANT,
        client_id: actor.client_id,
        client_secret: actor.client_secret,
        subject_token: subjectToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        resource,
        scope,
      }),
    getJson: async (path) => json(await fetch(new URL(path, origin)), `GET ${path}`),
  };
}

async function json(response: Response, what: string): Promise<Record<string, unknown>> {
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    // The OAuth error code and description (RFC 6749 §5.2) name the cause; no token or secret is in them.
    const reason = [body.error, body.error_description ?? body.detail].filter((part) => part !== undefined).join(": ");
    throw new AuthgentSetupError("ERR_AUTHGENT_HTTP", `${what} answered ${response.status}${reason ? ` (${reason})` : ""}`);
  }
  return body;
}
