import { describe, expect, it } from "vitest";
import { authgentConfigSchema, type AuthgentConfigInput } from "../../../infra/authgent/config.ts";
import { AUTHGENT_BASE_IMAGE, AUTHGENT_SERVER_VERSION } from "../../../infra/authgent/server-release.ts";
import { BASE_INPUT, TEST_SECRET_KEY } from "./fixtures.ts";

/** Every finding as "path message", the way the stack config reports it. */
function problems(overrides: Partial<Record<keyof AuthgentConfigInput, unknown>> & Record<string, unknown>): string[] {
  const result = authgentConfigSchema.safeParse({ ...BASE_INPUT, ...overrides });
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
}

describe("authgent config defaults", () => {
  it("builds the pinned authgent-server on the pinned base, SQLite on /data, a consent page, open registration, Caddy in front", () => {
    const config = authgentConfigSchema.parse(BASE_INPUT);
    expect(config).toMatchObject({
      name: "authgent",
      build: { version: AUTHGENT_SERVER_VERSION, baseImage: AUTHGENT_BASE_IMAGE },
      database: { type: "sqlite" },
      registration: { policy: "open" },
      consentMode: "ui",
      requireDpop: false,
      corsOrigins: [],
      forwardedAllowIps: "*",
      dataPath: "/data",
      env: {},
      secretEnv: {},
      tls: { proxy: "caddy", image: "caddy:2" },
    });
    expect(config.image).toBeUndefined();
    expect(AUTHGENT_BASE_IMAGE).toMatch(/^python:3\.12-slim@sha256:[0-9a-f]{64}$/);
  });

  it("trusts forwarded headers from 127.0.0.1 only when no Caddy sits in front", () => {
    expect(authgentConfigSchema.parse({ ...BASE_INPUT, tls: { proxy: "none" } }).forwardedAllowIps).toBe("127.0.0.1");
  });

  it("holds secrets as SecretValue, which never prints its text", () => {
    const config = authgentConfigSchema.parse({ ...BASE_INPUT, database: { type: "external", url: "postgresql+psycopg://u:pw@db/authgent?options=-c%20TimeZone%3DUTC" } });
    expect(config.secretKey?.reveal()).toBe(TEST_SECRET_KEY);
    const printed = `${JSON.stringify(config)} ${String(config.secretKey)}`;
    expect(printed).not.toContain(TEST_SECRET_KEY);
    expect(printed).not.toContain("pw@db");
  });
});

describe("authgent.host", () => {
  it.each([
    ["http://vps.yourcompany.com:2376", '"http:" is not supported'],
    ["ssh://vps.yourcompany.com", "names no user; write ssh://user@vps.yourcompany.com"],
    ["tcp://vps.yourcompany.com", "names no port; Docker's TLS port is 2376"],
    ["vps.yourcompany.com", "is not a URL"],
  ])("rejects %s, naming the accepted forms", (host, why) => {
    const [problem, ...rest] = problems({ host });
    expect(rest).toEqual([]);
    expect(problem).toContain("host must be ssh://user@host[:port] or tcp://host:2376;");
    expect(problem).toContain(why);
  });

  it("never echoes a password from the host URL", () => {
    expect(problems({ host: "ssh://deploy:hunter2@vps.yourcompany.com" }).join()).not.toContain("hunter2");
  });

  it("refuses sshOpts on a tcp:// host and dockerTls on an ssh:// host", () => {
    expect(problems({ host: "tcp://vps.yourcompany.com:2376", sshOpts: ["-v"], dockerTls: { ca: "a", cert: "b", key: "c" } })).toEqual([
      "sshOpts applies to ssh:// hosts only; remove it or use an ssh://user@host host",
    ]);
    expect(problems({ dockerTls: { ca: "a", cert: "b", key: "c" } })).toEqual(["dockerTls applies to tcp:// hosts only; ssh:// hosts authenticate with your SSH key"]);
  });
});

describe("authgent.issuer (AUTHGENT_SERVER_URL)", () => {
  it.each([
    ["https://auth.yourcompany.com/", 'must not end with "/"; write https://auth.yourcompany.com'],
    ["https://auth.yourcompany.com/t/acme", "must be an origin without a path (authgent-server serves its metadata at the root only); write https://auth.yourcompany.com"],
    ["http://auth.yourcompany.com", 'must be https (http is accepted for localhost only: tokens and metadata travel over TLS), got "http://auth.yourcompany.com"; write https://auth.yourcompany.com'],
    ["https://Auth.YourCompany.com", 'must be written in canonical form "https://auth.yourcompany.com"'],
    ["https://auth.yourcompany.com?tenant=a", "must not contain a query or fragment (RFC 8414 §2)"],
    ["auth.yourcompany.com", "must be an absolute URL like https://auth.yourcompany.com"],
  ])("rejects %s, naming the key", (issuer, message) => {
    expect(problems({ issuer, tls: { proxy: "none" } })).toEqual([expect.stringContaining(`issuer ${message}`)]);
  });

  it("accepts http on localhost for a local run without the proxy", () => {
    expect(problems({ issuer: "http://127.0.0.1:8000", tls: { proxy: "none" } })).toEqual([]);
    expect(problems({ issuer: "http://localhost:8000", tls: { proxy: "none" } })).toEqual([]);
  });

  it("needs a public DNS name and the default port behind Caddy", () => {
    expect(problems({ issuer: "https://203.0.113.7" })).toEqual([`issuer needs a public DNS name for Caddy's automatic certificate, got "203.0.113.7"`]);
    expect(problems({ issuer: "https://auth.yourcompany.com:8443" })).toEqual(['issuer must use the default https port behind Caddy; remove ":8443"']);
  });
});

describe("authgent image: build or your own", () => {
  it("takes an exact authgent-server release and refuses a range", () => {
    expect(problems({ build: { version: "0.3.5" } })).toEqual([]);
    expect(problems({ build: { version: ">=0.3" } })).toEqual([
      `build.version must be an exact authgent-server release like ${AUTHGENT_SERVER_VERSION} (pip installs authgent-server==<version>)`,
    ]);
  });

  it("runs a user-supplied image instead of the build, but not both", () => {
    const config = authgentConfigSchema.parse({ ...BASE_INPUT, image: `ghcr.io/acme/authgent-server@sha256:${"a".repeat(64)}` });
    expect(config.build).toBeUndefined();
    expect(problems({ image: "ghcr.io/acme/authgent-server:1", build: {} })).toEqual([
      "image and authgent.build are exclusive: remove image to build authgent-server on the host, or remove build to run your image",
    ]);
  });

  it("refuses the seed's authgent/authgent image, which nobody publishes", () => {
    expect(problems({ image: "authgent/authgent:latest" })).toEqual([
      `image is the seed's authgent/authgent image, which nobody publishes; remove authgent.image to build authgent-server ${AUTHGENT_SERVER_VERSION} from PyPI on the Docker host, or name your own build pinned by digest`,
    ]);
  });
});

describe("authgent.database (AUTHGENT_DATABASE_URL)", () => {
  it("accepts a Postgres container or an external psycopg URL whose sessions run in UTC", () => {
    expect(authgentConfigSchema.parse({ ...BASE_INPUT, database: { type: "postgres", password: "pw" } }).database).toMatchObject({ type: "postgres", image: "postgres:16-alpine" });
    expect(problems({ database: { type: "external", url: "postgresql+psycopg://authgent:pw@db.internal:5432/authgent?options=-c%20TimeZone%3DUTC" } })).toEqual([]);
    expect(problems({ database: { type: "external", url: "postgresql+psycopg://authgent:pw@db.internal/authgent?sslmode=require&options=-c%20timezone%3Dutc" } })).toEqual([]);
    expect(problems({ database: { type: "external", url: "sqlite+aiosqlite:////srv/authgent.db" } })).toEqual([]);
  });

  it.each([
    ["postgres://authgent:pw@db:5432/authgent", "uses postgres://, which authgent-server cannot open (it needs the async-capable driver psycopg 3); write postgresql+psycopg://user:password@host:5432/dbname?options=-c%20TimeZone%3DUTC"],
    // Upstream's [postgres] extra, which 0.3.4 cannot write through (test/interop/authgent-postgres-driver.test.ts).
    ["postgresql+asyncpg://authgent:pw@db:5432/authgent", "uses postgresql+asyncpg://, which authgent-server 0.3.4 cannot write through (asyncpg refuses its timezone-aware timestamps: the first start fails storing its signing key); write postgresql+psycopg://user:password@host:5432/dbname?options=-c%20TimeZone%3DUTC"],
    ["postgresql+psycopg://authgent:pw@db:5432/authgent", "must run its sessions in UTC: add options=-c%20TimeZone%3DUTC to the query"],
    ["postgresql+psycopg://authgent:pw@db:5432/authgent?options=-c%20TimeZone%3DEurope/Berlin", "must run its sessions in UTC"],
    ["postgresql://authgent:pw@db:5432/authgent", "uses postgresql://, which authgent-server cannot open"],
    ["sqlite:///data/authgent.db", "uses sqlite://, which authgent-server cannot open (it needs the async driver aiosqlite); write sqlite+aiosqlite:////absolute/path/authgent.db"],
    ["sqlite+aiosqlite:///./authgent.db", "must name an absolute file path: sqlite+aiosqlite:////absolute/path/authgent.db (four slashes)"],
    ["postgresql+psycopg://authgent:pw@db:5432", "names no database; write postgresql+psycopg://user:password@host:5432/dbname?options=-c%20TimeZone%3DUTC"],
    ["mysql://authgent:pw@db/authgent", "uses mysql://, which authgent-server does not support"],
  ])("refuses %s, showing the right form and never the URL", (url, message) => {
    const found = problems({ database: { type: "external", url } });
    expect(found).toEqual([expect.stringContaining(`database.url ${message}`)]);
    expect(found.join()).not.toContain("pw@");
  });

  it("refuses an unknown database type", () => {
    expect(problems({ database: { type: "mysql" } })).toEqual([
      'database.type must be "sqlite" (the default), "postgres" (a container on the Docker host) or "external" (url)',
    ]);
  });
});

describe("authgent policy settings", () => {
  it("refuses an unknown registration policy or consent mode, naming the server setting", () => {
    expect(problems({ registration: { policy: "closed" } })).toEqual(['registration.policy must be "open", "token" or "admin" (AUTHGENT_REGISTRATION_POLICY)']);
    expect(problems({ consentMode: "auto" })).toEqual(['consentMode must be "ui", "headless" or "auto_approve" (AUTHGENT_CONSENT_MODE)']);
  });

  it("refuses a registration token without the token policy", () => {
    expect(problems({ registration: { policy: "open", token: "t" } })).toEqual(['registration.token applies only with registration.policy: token (the server ignores it with "open")']);
  });

  it("refuses CORS entries that are not origins", () => {
    expect(problems({ corsOrigins: ["*"] })).toEqual(["corsOrigins.0 must be an origin like https://app.yourcompany.com"]);
  });
});

describe("authgent environment escape hatch", () => {
  it("passes other AUTHGENT_* settings through", () => {
    expect(problems({ env: { AUTHGENT_ACCESS_TOKEN_TTL: "600", AUTHGENT_RESOURCE_MATCH: "exact" } })).toEqual([]);
  });

  it("refuses variables a typed setting owns, naming the setting", () => {
    expect(problems({ env: { AUTHGENT_SERVER_URL: "https://other.example.com" }, secretEnv: { AUTHGENT_DATABASE_URL: "postgresql+asyncpg://x" } })).toEqual([
      "env.AUTHGENT_SERVER_URL comes from authgent.issuer; set the issuer there",
      "secretEnv.AUTHGENT_DATABASE_URL comes from authgent.database; set type sqlite, postgres or external (url) there",
    ]);
  });

  it("refuses the seed's variables, which the released server never reads", () => {
    expect(problems({ env: { AUTHGENT_ISSUER: "https://auth.yourcompany.com", AUTHGENT_DB_DSN: "sqlite:///x" } })).toEqual([
      "env.AUTHGENT_ISSUER is not read by authgent-server; the issuer is authgent.issuer (AUTHGENT_SERVER_URL)",
      "env.AUTHGENT_DB_DSN is not read by authgent-server; use authgent.database (AUTHGENT_DATABASE_URL)",
    ]);
  });

  it("refuses a variable that is both plain and secret, bad names and non-text values", () => {
    expect(problems({ env: { AUTHGENT_WEBHOOK_URL: "x" }, secretEnv: { AUTHGENT_WEBHOOK_URL: "y" } })).toEqual([
      "env.AUTHGENT_WEBHOOK_URL is also in authgent.secretEnv; keep it in one of the two",
    ]);
    expect(problems({ env: { "BAD-NAME": "x" } })).toEqual(["env.BAD-NAME is not an environment variable name (like AUTHGENT_ACCESS_TOKEN_TTL)"]);
    expect(problems({ env: { AUTHGENT_DEBUG: true } })).toEqual(["env.AUTHGENT_DEBUG must be text (quote numbers and booleans)"]);
  });
});

describe("settings of the seed's authgent: block", () => {
  it("refuses each with what replaced it", () => {
    expect(problems({ signingKey: "-----BEGIN PRIVATE KEY-----", port: 8080, healthPath: "/x", signingKeyPath: "/keys/k.pem" })).toEqual([
      expect.stringMatching(/^signingKey is no longer used: authgent-server generates its own ES256 signing keys .* set authgent\.secretKey \(npm run keygen\)$/),
      "signingKeyPath is no longer used: nothing is uploaded into the container any more; remove it",
      "port is no longer used: authgent-server listens on 8000 (uvicorn --port in the container command); remove it",
      "healthPath is no longer used: the healthcheck requests /ready in Python; remove it, or replace the whole check with healthCommand",
    ]);
  });

  it("refuses publishPort behind Caddy and unknown settings", () => {
    expect(problems({ publishPort: 8443 })).toEqual(["publishPort applies only with tls.proxy: none (behind Caddy, Authgent publishes no port)"]);
    expect(problems({ imag: "x" })).toEqual([expect.stringContaining('Unrecognized key: "imag"')]);
  });
});
