/**
 * A local stand-in for Authgent: real ES256/RS256/EdDSA keys, a real JWKS and
 * RFC 8414 metadata over HTTP on 127.0.0.1. Used by `npm start`, the test
 * suites and the benchmark.
 *
 * One server hosts many independent *tenants* (`<origin>/t/<id>`), each its own
 * issuer with its own keys, counters and failure mode, so tests can rotate keys
 * or take "Authgent" down without disturbing each other. The tenant `dev` is
 * the development issuer `npm start` prints; with `authorizationServer` it is
 * a real OAuth 2.1 authorization server (dev-authorization-server.ts). Other
 * tenants only publish keys: their metadata names no endpoints.
 *
 * A small admin API (`/__admin/...`, guarded by issuer-admin-guard.ts: per-run
 * secret, loopback Host, no browsers) lets tests that run inside workerd drive
 * the issuer over HTTP: create tenants, mint tokens, rotate keys, read fetch
 * counts and switch failure modes. `npm start` runs without it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";
import { createDevAuthorizationServer, type DevAuthorizationServer } from "./dev-authorization-server.ts";
import { AdminRequestError, checkAdminRequest, field, oneOf, readAdminJson } from "./issuer-admin-guard.ts";
import { ISSUER_ALGS, JWKS_MODES, Tenant, type IssuerAlg, type JwksMode, type MintOptions } from "./issuer-tenant.ts";

export type { IssuerAlg, JwksMode, MintOptions, TenantStats } from "./issuer-tenant.ts";
export { ADMIN_SECRET_HEADER } from "./issuer-admin-guard.ts";

export interface LocalIssuer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Issuer URL of the `dev` tenant. */
  readonly issuer: string;
  /** Creates a fresh tenant and returns its issuer URL. */
  createTenant(options?: { alg?: IssuerAlg; id?: string }): Promise<string>;
  tenant(issuerOrId: string): Tenant;
  /** Mints a token from the `dev` tenant (or the one named). */
  mint(audience: string | string[], options?: MintOptions & { tenant?: string }): Promise<string>;
  /** This run's admin API secret (send it as `X-Local-Issuer-Admin`); undefined when the admin API is off. */
  readonly adminSecret: string | undefined;
  /** The `dev` tenant's OAuth 2.1 authorization server, when started with `authorizationServer`. */
  readonly authorizationServer: DevAuthorizationServer | undefined;
  close(): Promise<void>;
}

export interface StartLocalIssuerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Signing algorithm of the `dev` tenant. @default "ES256" */
  readonly alg?: IssuerAlg;
  /**
   * Serve the admin API (`/__admin/...`), guarded by a per-run secret.
   * @default true (the test suites drive tenants through it); `npm start` turns it off
   */
  readonly admin?: boolean;
  /**
   * Make the `dev` tenant a real OAuth 2.1 authorization server for these
   * resources (RFC 8707 values → the scopes each has). @default none: the
   * `dev` tenant only publishes keys, like every other tenant
   */
  readonly authorizationServer?: {
    readonly resources: Readonly<Record<string, readonly string[]>>;
    /** Access token lifetime, seconds. @default 3600 */
    readonly accessTokenTtlSeconds?: number;
  };
}

/** Largest body the `oversized` mode sends, bytes. */
const OVERSIZED_BYTES = 2 * 1024 * 1024;

export async function startLocalIssuer(options: StartLocalIssuerOptions = {}): Promise<LocalIssuer> {
  const tenants = new Map<string, Tenant>();
  const hanging = new Set<ServerResponse>();
  let origin = "";
  let port = 0;
  let authorizationServer: DevAuthorizationServer | undefined;
  const adminSecret = options.admin === false ? undefined : randomBytes(24).toString("base64url");

  const newTenant = async (id: string, alg: IssuerAlg = "ES256"): Promise<Tenant> => {
    if (!/^[\w-]{1,64}$/.test(id)) throw new AdminRequestError(400, "tenant id must be 1-64 letters, digits, _ or -");
    if (tenants.has(id)) throw new AdminRequestError(409, `tenant ${id} exists`);
    const tenant = new Tenant(id, `${origin}/t/${id}`);
    await tenant.addKey(alg);
    tenants.set(id, tenant);
    return tenant;
  };
  const lookup = (issuerOrId: string): Tenant => {
    const id = issuerOrId.startsWith("http") ? issuerOrId.slice(`${origin}/t/`.length) : issuerOrId;
    const tenant = tenants.get(id);
    if (!tenant) throw new AdminRequestError(404, `unknown tenant ${issuerOrId}`);
    return tenant;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof AdminRequestError) return json(res, err.status, { error: err.message });
      json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", origin);
    const admin = url.pathname.match(/^\/__admin\/([a-z-]+)$/);
    if (admin) {
      if (adminSecret === undefined) return json(res, 404, { error: "not_found" });
      checkAdminRequest(req, { secret: adminSecret, port });
      return handleAdmin(admin[1] ?? "", req, res);
    }
    const dev = tenants.get("dev");
    // The dev tenant's keys and failure modes stay the local issuer's; the rest is the authorization server's.
    if (authorizationServer && dev && url.pathname !== "/t/dev/.well-known/jwks.json" && !(await devMetadataGate(dev, url, res))) {
      if (await authorizationServer.handle(req, res)) return;
    }

    const match = url.pathname.match(/^\/t\/([\w-]+)(\/.*)$/);
    const tenant = match ? tenants.get(match[1] ?? "") : undefined;
    // RFC 8414 §3.1: metadata for issuer https://h/t/x lives at
    // https://h/.well-known/oauth-authorization-server/t/x; the path-appended
    // form (https://h/t/x/.well-known/...) is accepted too, as many servers do.
    const wellKnown = url.pathname.match(/^\/\.well-known\/(oauth-authorization-server|openid-configuration)\/t\/([\w-]+)$/);
    if (wellKnown) return metadata(tenants.get(wellKnown[2] ?? ""), res);
    if (!tenant || !match) return json(res, 404, { error: "not_found" });
    const rest = match[2];
    if (rest === "/.well-known/oauth-authorization-server" || rest === "/.well-known/openid-configuration") {
      return metadata(tenant, res);
    }
    if (rest === "/.well-known/jwks.json") return jwks(tenant, res);
    if (rest === "/authorize" || rest === "/token") {
      return json(res, 501, { error: "temporarily_unavailable", error_description: "this local issuer tenant only publishes keys; npm start's dev tenant is an OAuth server" });
    }
    return json(res, 404, { error: "not_found" });
  }

  /**
   * The dev tenant's metadata honours its switches (served or not, down) and
   * counters like every tenant's; true when the gate answered the request.
   */
  async function devMetadataGate(tenant: Tenant, url: URL, res: ServerResponse): Promise<boolean> {
    const metadataPaths = [
      "/.well-known/oauth-authorization-server/t/dev",
      "/.well-known/openid-configuration/t/dev",
      "/t/dev/.well-known/oauth-authorization-server",
      "/t/dev/.well-known/openid-configuration",
    ];
    if (!metadataPaths.includes(url.pathname)) return false;
    if (!tenant.serveMetadata) {
      json(res, 404, { error: "not_found" });
      return true;
    }
    tenant.metadataFetches++;
    if (tenant.mode === "down") {
      res.destroy();
      return true;
    }
    return false;
  }

  /**
   * A key-publishing tenant's RFC 8414 metadata: a test fixture shaped like
   * Authgent's document, which the worker and `npm run verify` read (the MCP
   * SDK's metadata schema requires `authorization_endpoint` and
   * `token_endpoint`). These tenants only publish keys; the endpoints they
   * name answer 501 saying so. The `dev` tenant of `npm start` is a real
   * authorization server instead (`authorizationServer`).
   */
  async function metadata(tenant: Tenant | undefined, res: ServerResponse): Promise<void> {
    if (!tenant || !tenant.serveMetadata) return json(res, 404, { error: "not_found" });
    tenant.metadataFetches++;
    if (tenant.mode === "down") return void res.destroy();
    json(res, 200, {
      issuer: tenant.issuer,
      jwks_uri: `${tenant.issuer}/.well-known/jwks.json`,
      authorization_endpoint: `${tenant.issuer}/authorize`,
      token_endpoint: `${tenant.issuer}/token`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code"],
      code_challenge_methods_supported: ["S256"],
      scopes_supported: ["mcp:read", "mcp:write"],
    });
  }

  async function jwks(tenant: Tenant, res: ServerResponse): Promise<void> {
    tenant.jwksFetches++;
    if (tenant.latencyMs > 0) await new Promise((r) => setTimeout(r, tenant.latencyMs));
    switch (tenant.mode) {
      case "ok":
        return json(res, 200, { keys: tenant.publicJwks() });
      case "error500":
        return json(res, 500, { error: "internal" });
      case "html":
        res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Maintenance</body></html>");
        return;
      case "oversized": {
        const pad = "x".repeat(OVERSIZED_BYTES);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ keys: tenant.publicJwks(), pad }));
        return;
      }
      case "oversized-chunked": {
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = "x".repeat(64 * 1024);
        res.write(`{"keys":${JSON.stringify(tenant.publicJwks())},"pad":"`);
        for (let sent = 0; sent < OVERSIZED_BYTES && !res.destroyed; sent += chunk.length) {
          if (!res.write(chunk)) await new Promise((r) => res.once("drain", r).once("close", r));
        }
        res.end(`"}`);
        return;
      }
      case "hang":
        res.writeHead(200, { "content-type": "application/json" });
        hanging.add(res);
        return; // never ends until close()
      case "hang-after-headers":
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"keys":[');
        hanging.add(res);
        return;
      case "down":
        res.destroy();
        return;
    }
  }

  async function handleAdmin(action: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAdminJson(req);
    const str = (k: string): string | undefined => field(body, k, "string");
    const alg = (): IssuerAlg => oneOf("alg", str("alg"), ISSUER_ALGS) ?? "ES256";
    switch (action) {
      case "tenant": {
        const tenant = await newTenant(str("id") ?? crypto.randomUUID().slice(0, 8), alg());
        return json(res, 200, { issuer: tenant.issuer, kid: tenant.keys[0]?.kid });
      }
      case "mint": {
        const tenant = lookup(str("issuer") ?? "dev");
        const audience = body.audience ?? "";
        if (typeof audience !== "string" && !(Array.isArray(audience) && audience.every((a) => typeof a === "string"))) {
          throw new AdminRequestError(400, '"audience" must be a string or an array of strings');
        }
        const token = await tenant.mint(audience, {
          claims: field(body, "claims", "object"),
          header: field(body, "header", "object"),
          kid: str("kid"),
          ttlSeconds: field(body, "ttlSeconds", "number"),
        });
        return json(res, 200, { token });
      }
      case "add-key": {
        const key = await lookup(str("issuer") ?? "dev").addKey(alg());
        return json(res, 200, { kid: key.kid, jwk: key.publicJwk });
      }
      case "rotate": {
        const key = await lookup(str("issuer") ?? "dev").rotate(alg());
        return json(res, 200, { kid: key.kid, jwk: key.publicJwk });
      }
      case "jwks": {
        const tenant = lookup(str("issuer") ?? "dev");
        return json(res, 200, { keys: tenant.publicJwks() });
      }
      case "publish-jwk": {
        // Publishes a public key whose private half the caller holds, so a test
        // can sign tokens jose refuses to produce (non-JSON payloads, weak RSA).
        const tenant = lookup(str("issuer") ?? "dev");
        const jwk = body.jwk;
        if (typeof jwk !== "object" || jwk === null || "d" in jwk) return json(res, 400, { error: "jwk must be a public JWK" });
        tenant.foreignJwks.push(jwk as JWK);
        return json(res, 200, { kid: (jwk as JWK).kid });
      }
      case "mode": {
        const tenant = lookup(str("issuer") ?? "dev");
        const mode: JwksMode | undefined = oneOf("mode", str("mode"), JWKS_MODES);
        const latencyMs = field(body, "latencyMs", "number");
        const serveMetadata = field(body, "serveMetadata", "boolean");
        if (mode !== undefined) tenant.mode = mode;
        if (latencyMs !== undefined) tenant.latencyMs = latencyMs;
        if (serveMetadata !== undefined) tenant.serveMetadata = serveMetadata;
        return json(res, 200, { mode: tenant.mode, latencyMs: tenant.latencyMs });
      }
      case "stats":
        return json(res, 200, lookup(str("issuer") ?? url(req).searchParams.get("issuer") ?? "dev").stats());
      default:
        return json(res, 404, { error: "unknown admin action" });
    }
  }

  const url = (req: IncomingMessage): URL => new URL(req.url ?? "/", origin);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  const dev = await newTenant("dev", options.alg ?? "ES256");
  if (options.authorizationServer) {
    authorizationServer = createDevAuthorizationServer({
      issuer: dev.issuer,
      signingKey: await dev.privateJwk(),
      resources: options.authorizationServer.resources,
      ...(options.authorizationServer.accessTokenTtlSeconds === undefined ? {} : { accessTokenTtlSeconds: options.authorizationServer.accessTokenTtlSeconds }),
    });
  }

  return {
    origin,
    issuer: dev.issuer,
    async createTenant(opts = {}) {
      return (await newTenant(opts.id ?? crypto.randomUUID().slice(0, 8), opts.alg)).issuer;
    },
    tenant: lookup,
    mint: (audience, opts = {}) => lookup(opts.tenant ?? "dev").mint(audience, opts),
    adminSecret,
    authorizationServer,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}
