import { describe, expect, it } from "vitest";
import { authgentConfigSchema, type AuthgentConfigInput } from "../../../infra/authgent/config.ts";
import { BASE_INPUT, TEST_SIGNING_KEY } from "./fixtures.ts";

/** Every finding as "path message", the way the stack config reports it. */
function problems(overrides: Partial<Record<keyof AuthgentConfigInput, unknown>> & Record<string, unknown>): string[] {
  const result = authgentConfigSchema.safeParse({ ...BASE_INPUT, ...overrides });
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
}

describe("authgent config defaults", () => {
  it("applies the seed's defaults: image, port 8080, key path, SQLite under /data, Caddy in front", () => {
    const config = authgentConfigSchema.parse(BASE_INPUT);
    expect(config).toMatchObject({
      name: "authgent",
      image: "authgent/authgent:latest",
      port: 8080,
      healthPath: "/.well-known/jwks.json",
      signingKeyPath: "/keys/ec-private.pem",
      dataPath: "/data",
      sshOpts: [],
      env: {},
      secretEnv: {},
      tls: { proxy: "caddy", image: "caddy:2" },
    });
    expect(config.healthCommand).toBeUndefined();
    expect(config.publishPort).toBeUndefined();
  });

  it("holds secrets as SecretValue, which never prints its text", () => {
    const config = authgentConfigSchema.parse({ ...BASE_INPUT, secretEnv: { AUTHGENT_DB_DSN: "postgres://u:pw@db/authgent" } });
    expect(config.signingKey?.reveal()).toBe(TEST_SIGNING_KEY);
    const printed = `${JSON.stringify(config)} ${String(config.signingKey)}`;
    expect(printed).not.toContain("PRIVATE KEY");
    expect(printed).not.toContain("pw@db");
  });
});

describe("authgent.host", () => {
  it.each([
    ["http://vps.yourcompany.com:2376", '"http:" is not supported'],
    ["ssh://vps.yourcompany.com", "names no user; write ssh://user@vps.yourcompany.com"],
    ["ssh://deploy:hunter2@vps.yourcompany.com", "use an SSH key"],
    ["tcp://vps.yourcompany.com", "names no port; Docker's TLS port is 2376"],
    ["unix:///var/run/docker.sock", '"unix:" is not supported'],
    ["vps.yourcompany.com", "is not a URL"],
    ["ssh://deploy@vps.yourcompany.com/docker", "must not have a path"],
  ])("rejects %s, naming the accepted forms", (host, why) => {
    const [problem, ...rest] = problems({ host });
    expect(rest).toEqual([]);
    expect(problem).toContain("host must be ssh://user@host[:port] or tcp://host:2376;");
    expect(problem).toContain(why);
  });

  it("never echoes a password from the host URL", () => {
    expect(problems({ host: "ssh://deploy:hunter2@vps.yourcompany.com" }).join()).not.toContain("hunter2");
  });

  it("accepts ssh://user@host:port and tcp://host:2376", () => {
    expect(problems({ host: "ssh://deploy@vps.yourcompany.com:2222" })).toEqual([]);
    expect(problems({ host: "tcp://vps.yourcompany.com:2376", dockerTls: { ca: "a", cert: "b", key: "c" } })).toEqual([]);
  });

  it("says the host is required when it is missing", () => {
    expect(problems({ host: undefined })).toEqual(["host is required: the Docker host, ssh://user@host[:port] or tcp://host:2376"]);
  });

  it("refuses sshOpts on a tcp:// host and dockerTls on an ssh:// host", () => {
    expect(problems({ host: "tcp://vps.yourcompany.com:2376", sshOpts: ["-v"], dockerTls: { ca: "a", cert: "b", key: "c" } })).toEqual([
      "sshOpts applies to ssh:// hosts only; remove it or use an ssh://user@host host",
    ]);
    expect(problems({ dockerTls: { ca: "a", cert: "b", key: "c" } })).toEqual([
      "dockerTls applies to tcp:// hosts only; ssh:// hosts authenticate with your SSH key",
    ]);
  });
});

describe("authgent.issuer", () => {
  it.each([
    ["https://auth.yourcompany.com/", 'must not end with "/"; write https://auth.yourcompany.com'],
    ["https://Auth.YourCompany.com", 'must be written in canonical form "https://auth.yourcompany.com"'],
    ["https://auth.yourcompany.com:443", 'must be written in canonical form "https://auth.yourcompany.com"'],
    ["https://auth.yourcompany.com?tenant=a", "must not contain a query or fragment (RFC 8414 §2)"],
    ["ftp://auth.yourcompany.com", 'must be an https URL, got "ftp://auth.yourcompany.com"'],
    ["auth.yourcompany.com", "must be an absolute URL like https://auth.yourcompany.com"],
  ])("rejects %s", (issuer, message) => {
    expect(problems({ issuer })).toEqual([expect.stringContaining(`issuer ${message}`)]);
  });

  it("must be https behind Caddy, which serves it over TLS", () => {
    expect(problems({ issuer: "http://auth.yourcompany.com" })).toEqual([
      "issuer must be https with tls.proxy: caddy (Caddy serves it over TLS); write https://auth.yourcompany.com, or set tls.proxy: none",
    ]);
  });

  it("needs a public DNS name and the default port behind Caddy", () => {
    expect(problems({ issuer: "https://203.0.113.7" })).toEqual([`issuer needs a public DNS name for Caddy's automatic certificate, got "203.0.113.7"`]);
    expect(problems({ issuer: "https://auth.yourcompany.com:8443" })).toEqual(['issuer must use the default https port behind Caddy; remove ":8443"']);
  });

  it("leaves an http issuer without the proxy to the production rule and the worker's localhost-only rule (see stack.test.ts)", () => {
    expect(problems({ issuer: "http://10.0.0.5:8080", tls: { proxy: "none" } })).toEqual([]);
  });

  it("accepts an issuer with a path (multi-tenant Authgent)", () => {
    expect(problems({ issuer: "https://auth.yourcompany.com/t/acme" })).toEqual([]);
  });
});

describe("authgent environment and ports", () => {
  it("refuses AUTHGENT_ISSUER in env: the issuer has one source", () => {
    expect(problems({ env: { AUTHGENT_ISSUER: "https://other.example.com" } })).toEqual(["env.AUTHGENT_ISSUER comes from authgent.issuer; set the issuer there"]);
  });

  it("refuses the variables the stack derives, naming the setting to use", () => {
    expect(problems({ env: { AUTHGENT_SIGNING_KEY: "/elsewhere.pem" }, secretEnv: { AUTHGENT_SIGNING_ALG: "RS256" } })).toEqual([
      "env.AUTHGENT_SIGNING_KEY points at the uploaded key; move the file with authgent.signingKeyPath",
      "secretEnv.AUTHGENT_SIGNING_ALG is ES256: npm run keygen and the stack's key check are for P-256 keys",
    ]);
  });

  it("refuses a variable that is both plain and secret", () => {
    expect(problems({ env: { AUTHGENT_DB_DSN: "sqlite:///x" }, secretEnv: { AUTHGENT_DB_DSN: "postgres://…" } })).toEqual([
      "env.AUTHGENT_DB_DSN is also in authgent.secretEnv; keep it in one of the two",
    ]);
  });

  it("refuses bad variable names and non-text values", () => {
    expect(problems({ env: { "BAD-NAME": "x" } })).toEqual(["env.BAD-NAME is not an environment variable name (like AUTHGENT_DB_DSN)"]);
    expect(problems({ env: { AUTHGENT_LOG_JSON: true } })).toEqual(["env.AUTHGENT_LOG_JSON must be text (quote numbers and booleans)"]);
  });

  it("refuses publishPort behind Caddy and out-of-range ports", () => {
    expect(problems({ publishPort: 8443 })).toEqual(["publishPort applies only with tls.proxy: none (behind Caddy, Authgent publishes no port)"]);
    expect(problems({ port: 70000 })).toEqual(["port must be a port number from 1 to 65535"]);
  });

  it("refuses an ACME email that would not stay one Caddyfile token", () => {
    expect(problems({ tls: { email: "o'brien@yourcompany.com" } })).toEqual(["tls.email must be a plain email address (no quotes or spaces)"]);
  });

  it("refuses unknown settings and an unknown proxy", () => {
    expect(problems({ imag: "x" })).toEqual([expect.stringContaining('Unrecognized key: "imag"')]);
    expect(problems({ tls: { proxy: "nginx" } })).toEqual(['tls.proxy must be "caddy" (automatic HTTPS in front of Authgent) or "none"']);
  });
});
