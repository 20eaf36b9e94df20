/**
 * A local stand-in for Authgent: real ES256/RS256/EdDSA keys, a real JWKS and
 * RFC 8414 metadata over HTTP on 127.0.0.1. Used by `npm start`, the test
 * suites and the benchmark.
 *
 * One server hosts many independent *tenants* (`<origin>/t/<id>`), each its own
 * issuer with its own keys, counters and failure mode, so tests can rotate keys
 * or take "Authgent" down without disturbing each other. The tenant `dev` is
 * the development issuer `npm start` prints.
 *
 * A small admin API (`/__admin/...`) lets tests that run inside workerd drive
 * the issuer over HTTP: create tenants, mint tokens, rotate keys, read fetch
 * counts and switch failure modes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from "jose";

export type IssuerAlg = "ES256" | "RS256" | "EdDSA";

/**
 * How the tenant's JWKS endpoint misbehaves; `ok` is a healthy Authgent.
 * `oversized` declares its 2 MiB size in `content-length`; `oversized-chunked`
 * streams the same body chunked, without a length, so a client's streaming
 * size cap is what has to stop it. `hang` never sends headers;
 * `hang-after-headers` sends headers and the start of a body, then stalls.
 */
export type JwksMode =
  | "ok"
  | "error500"
  | "html"
  | "oversized"
  | "oversized-chunked"
  | "hang"
  | "hang-after-headers"
  | "down";

export interface MintOptions {
  /** Extra or overriding claims. `null` deletes a default claim. */
  readonly claims?: Record<string, unknown>;
  /** Overriding protected-header fields (e.g. `typ`, `kid`). `null` deletes one. */
  readonly header?: Record<string, unknown>;
  /** Which of the tenant's signing keys; defaults to the newest. */
  readonly kid?: string;
  /** Lifetime, seconds. @default 3600 */
  readonly ttlSeconds?: number;
}

export interface TenantStats {
  readonly jwksFetches: number;
  readonly metadataFetches: number;
}

interface SigningKey {
  readonly kid: string;
  readonly alg: IssuerAlg;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

class Tenant {
  keys: SigningKey[] = [];
  /** Public keys published without a private half here (e.g. crafted by a test); `rotate` retires them too. */
  foreignJwks: JWK[] = [];
  mode: JwksMode = "ok";
  latencyMs = 0;
  /** Whether the RFC 8414 metadata document is served (else clients fall back to /.well-known/jwks.json). */
  serveMetadata = true;
  jwksFetches = 0;
  metadataFetches = 0;
  private serial = 0;

  constructor(
    readonly id: string,
    readonly issuer: string,
  ) {}

  async addKey(alg: IssuerAlg = "ES256"): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${this.id}-${alg.toLowerCase()}-${++this.serial}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
    const key = { kid, alg, privateKey, publicJwk };
    this.keys.push(key);
    return key;
  }

  /** Publishes a new key and retires all others (a completed rotation). */
  async rotate(alg: IssuerAlg = "ES256"): Promise<SigningKey> {
    const key = await this.addKey(alg);
    this.keys = [key];
    this.foreignJwks = [];
    return key;
  }

  /** Every published public key: the tenant's own, then foreign ones. */
  publicJwks(): JWK[] {
    return [...this.keys.map((k) => k.publicJwk), ...this.foreignJwks];
  }

  async mint(audience: string | string[], options: MintOptions = {}): Promise<string> {
    const key = options.kid ? this.keys.find((k) => k.kid === options.kid) : this.keys.at(-1);
    if (!key) throw new Error(`tenant ${this.id} has no key ${options.kid ?? ""}`);
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      sub: "user-1",
      aud: audience,
      iat: now,
      exp: now + (options.ttlSeconds ?? 3600),
      jti: crypto.randomUUID(),
      scope: "mcp:read mcp:write",
      client_id: "local-dev-client",
      ...options.claims,
    };
    const header: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: "JWT", ...options.header };
    for (const [k, v] of Object.entries(claims)) if (v === null) delete claims[k];
    for (const [k, v] of Object.entries(header)) if (v === null) delete header[k];
    // SignJWT validates nothing about the header beyond alg, which lets tests
    // produce deliberately odd (but correctly signed) tokens.
    return new SignJWT(claims as JWTPayload)
      .setProtectedHeader(header as { alg: string })
      .sign(key.privateKey);
  }

  stats(): TenantStats {
    return { jwksFetches: this.jwksFetches, metadataFetches: this.metadataFetches };
  }
}

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
  close(): Promise<void>;
}

export interface StartLocalIssuerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Signing algorithm of the `dev` tenant. @default "ES256" */
  readonly alg?: IssuerAlg;
}

/** Largest body the `oversized` mode sends, bytes. */
const OVERSIZED_BYTES = 2 * 1024 * 1024;

export async function startLocalIssuer(options: StartLocalIssuerOptions = {}): Promise<LocalIssuer> {
  const tenants = new Map<string, Tenant>();
  const hanging = new Set<ServerResponse>();
  let origin = "";

  const newTenant = async (id: string, alg: IssuerAlg = "ES256"): Promise<Tenant> => {
    if (tenants.has(id)) throw new Error(`tenant ${id} exists`);
    const tenant = new Tenant(id, `${origin}/t/${id}`);
    await tenant.addKey(alg);
    tenants.set(id, tenant);
    return tenant;
  };
  const lookup = (issuerOrId: string): Tenant => {
    const id = issuerOrId.startsWith("http") ? issuerOrId.slice(`${origin}/t/`.length) : issuerOrId;
    const tenant = tenants.get(id);
    if (!tenant) throw new Error(`unknown tenant ${issuerOrId}`);
    return tenant;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", origin);
    const admin = url.pathname.match(/^\/__admin\/([a-z-]+)$/);
    if (admin) return handleAdmin(admin[1] ?? "", req, res);

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
    return json(res, 404, { error: "not_found" });
  }

  async function metadata(tenant: Tenant | undefined, res: ServerResponse): Promise<void> {
    if (!tenant || !tenant.serveMetadata) return json(res, 404, { error: "not_found" });
    tenant.metadataFetches++;
    if (tenant.mode === "down") return void res.destroy();
    json(res, 200, {
      issuer: tenant.issuer,
      jwks_uri: `${tenant.issuer}/.well-known/jwks.json`,
      authorization_endpoint: `${tenant.issuer}/authorize`,
      token_endpoint: `${tenant.issuer}/token`,
      registration_endpoint: `${tenant.issuer}/register`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none", "client_secret_basic"],
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
    const body = req.method === "POST" ? await readJson(req) : {};
    const str = (k: string): string | undefined => (typeof body[k] === "string" ? (body[k] as string) : undefined);
    switch (action) {
      case "tenant": {
        const tenant = await newTenant(str("id") ?? crypto.randomUUID().slice(0, 8), (str("alg") as IssuerAlg) ?? "ES256");
        return json(res, 200, { issuer: tenant.issuer, kid: tenant.keys[0]?.kid });
      }
      case "mint": {
        const tenant = lookup(str("issuer") ?? "dev");
        const token = await tenant.mint((body.audience as string | string[]) ?? "", {
          claims: body.claims as Record<string, unknown> | undefined,
          header: body.header as Record<string, unknown> | undefined,
          kid: str("kid"),
          ttlSeconds: typeof body.ttlSeconds === "number" ? body.ttlSeconds : undefined,
        });
        return json(res, 200, { token });
      }
      case "add-key": {
        const key = await lookup(str("issuer") ?? "dev").addKey((str("alg") as IssuerAlg) ?? "ES256");
        return json(res, 200, { kid: key.kid, jwk: key.publicJwk });
      }
      case "rotate": {
        const key = await lookup(str("issuer") ?? "dev").rotate((str("alg") as IssuerAlg) ?? "ES256");
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
        if (str("mode")) tenant.mode = str("mode") as JwksMode;
        if (typeof body.latencyMs === "number") tenant.latencyMs = body.latencyMs;
        if (typeof body.serveMetadata === "boolean") tenant.serveMetadata = body.serveMetadata;
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
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dev = await newTenant("dev", options.alg ?? "ES256");

  return {
    origin,
    issuer: dev.issuer,
    async createTenant(opts = {}) {
      return (await newTenant(opts.id ?? crypto.randomUUID().slice(0, 8), opts.alg)).issuer;
    },
    tenant: lookup,
    mint: (audience, opts = {}) => lookup(opts.tenant ?? "dev").mint(audience, opts),
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

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
