/**
 * `npm start -- --authgent`: the released authgent-server (the pin in
 * infra/authgent/server-release.ts, from the cached venv) as the local issuer,
 * instead of the embedded development authorization server.
 *
 * Everything it keeps lives in `<state dir>/authgent/`, so clients and
 * signing keys survive restarts:
 * - `authgent.db`: SQLite (clients, tokens, signing keys; app.py `lifespan` creates it);
 * - `secret-key`: `AUTHGENT_SECRET_KEY`, generated once, mode 600. It derives the
 *   key that encrypts the stored signing keys (config.py `_kek_key`), so it must
 *   stay the same for the database to stay usable. Never printed;
 * - `dev-client.json` (mode 600): the client_credentials client the banner's curl uses.
 *
 * Consent runs in `auto_approve` mode (config.py `consent_mode`; every
 * authorization is granted without a page): development only.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AuthgentSetupError } from "./errors.ts";
import { freeLoopbackPort } from "../free-port.ts";
import { inheritedEnv, spawnAuthgent, sqliteDatabaseUrl } from "./process.ts";
import { ensureAuthgentVenv, type AuthgentVenv } from "./venv.ts";

/** Authgent's own default access-token lifetime (config.py `access_token_ttl`), seconds. */
const AUTHGENT_DEFAULT_ACCESS_TTL_SECONDS = 900;
const SECRET_KEY_FILE = "secret-key";
const CLIENT_FILE = "dev-client.json";
const OWNER_ONLY = 0o600;

export interface DevAuthgentOptions {
  /** The venv from `ensureAuthgentVenv()` (resolved before anything else starts). */
  readonly venv: AuthgentVenv;
  /** npm start's state directory; Authgent keeps its files in `<stateDir>/authgent/`. */
  readonly stateDir: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** The worker's `MCP_AUDIENCE`: the `resource` the dev client may ask tokens for (RFC 8707). */
  readonly audience: string;
  /** The served worker's `scopes_supported`: advertised by Authgent and granted to the dev client. */
  readonly scopes: readonly string[];
  /** Cap on access-token lifetime (the stack's MAX_TOKEN_LIFETIME), seconds; Authgent's 900 when larger. */
  readonly maxTokenLifetimeSeconds: number;
}

/** The client_credentials client (RFC 6749 §4.4) registered for the banner's curl. */
export interface DevAuthgentClient {
  readonly client_id: string;
  readonly client_secret: string;
  readonly scope: string;
  readonly resource: string;
}

export interface DevAuthgent {
  /** `http://127.0.0.1:<port>`: `AUTHGENT_SERVER_URL`, so every token's `iss`. */
  readonly issuer: string;
  /** The Python process (leader of its own process group). */
  readonly pid: number;
  readonly serverVersion: string;
  readonly client: DevAuthgentClient;
  /** Stops the process group (SIGTERM, SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** The venv, installed on first use; `ERR_PYTHON_MISSING` names the interpreter it needs. */
export function ensureDevAuthgentVenv(log: (line: string) => void): Promise<AuthgentVenv> {
  return ensureAuthgentVenv({ log });
}

/** The port Authgent will listen on: `port`, or a free one for 0. Known before start so the worker can trust it. */
export async function devAuthgentPort(port: number): Promise<number> {
  return port === 0 ? freeLoopbackPort() : port;
}

export async function startDevAuthgent(options: DevAuthgentOptions): Promise<DevAuthgent> {
  const dir = join(options.stateDir, "authgent");
  await mkdir(dir, { recursive: true });
  const issuer = `http://127.0.0.1:${options.port}`;
  const env: Record<string, string> = {
    ...inheritedEnv(),
    AUTHGENT_SERVER_URL: issuer,
    AUTHGENT_SECRET_KEY: await secretKey(join(dir, SECRET_KEY_FILE)),
    AUTHGENT_DATABASE_URL: sqliteDatabaseUrl(join(dir, "authgent.db")),
    // pydantic-settings reads list settings from the environment as JSON.
    AUTHGENT_SCOPES_SUPPORTED: JSON.stringify(options.scopes),
    AUTHGENT_CONSENT_MODE: "auto_approve",
    AUTHGENT_ACCESS_TOKEN_TTL: String(Math.min(AUTHGENT_DEFAULT_ACCESS_TTL_SECONDS, options.maxTokenLifetimeSeconds)),
  };
  const proc = await spawnAuthgent({ venv: options.venv, port: options.port, env, cwd: dir });
  try {
    const client = await devClient(join(dir, CLIENT_FILE), issuer, options.audience, options.scopes.join(" "));
    return { issuer, pid: proc.child.pid ?? 0, serverVersion: options.venv.serverVersion, client, stop: () => proc.stop() };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

/** A shell command that puts a client_credentials token for the worker into `$MCP_TOKEN`. */
export function devAuthgentTokenCommand(issuer: string, client: DevAuthgentClient): string {
  return [
    `export MCP_TOKEN=$(curl -s ${issuer}/token`,
    "-d grant_type=client_credentials",
    `-d client_id=${client.client_id}`,
    `-d client_secret=${client.client_secret}`,
    `--data-urlencode resource=${client.resource}`,
    `--data-urlencode 'scope=${client.scope}'`,
    `| node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
  ].join(" ");
}

/** The persisted key, or a new random one written with mode 600 (a wider mode is narrowed). */
async function secretKey(file: string): Promise<string> {
  try {
    const key = (await readFile(file, "utf8")).trim();
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, OWNER_ONLY);
    if (key) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32).toString("hex");
  await writeFile(file, `${key}\n`, { mode: OWNER_ONLY });
  return key;
}

/**
 * The stored dev client when it was registered for this resource and scope
 * and Authgent still knows it; otherwise a new registration (RFC 7591,
 * endpoints/register.py; the server's default policy is "open").
 */
async function devClient(file: string, issuer: string, resource: string, scope: string): Promise<DevAuthgentClient> {
  const stored = await readStoredClient(file);
  if (stored && stored.resource === resource && stored.scope === scope && (await stillRegistered(issuer, stored))) return stored;
  const response = await fetch(`${issuer}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "npm start", grant_types: ["client_credentials"], scope, allowed_resources: [resource] }),
  });
  const body = (await response.json().catch(() => ({}))) as { client_id?: unknown; client_secret?: unknown; error?: unknown };
  if (!response.ok || typeof body.client_id !== "string" || typeof body.client_secret !== "string") {
    throw new AuthgentSetupError("ERR_AUTHGENT_HTTP", `POST ${issuer}/register answered ${response.status}${typeof body.error === "string" ? ` (${body.error})` : ""}`);
  }
  const client: DevAuthgentClient = { client_id: body.client_id, client_secret: body.client_secret, scope, resource };
  await writeFile(file, JSON.stringify(client, null, 2), { mode: OWNER_ONLY });
  await chmod(file, OWNER_ONLY);
  return client;
}

async function readStoredClient(file: string): Promise<DevAuthgentClient | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<DevAuthgentClient>;
    const { client_id, client_secret, scope, resource } = parsed;
    if (typeof client_id === "string" && typeof client_secret === "string" && typeof scope === "string" && typeof resource === "string") {
      return { client_id, client_secret, scope, resource };
    }
    return undefined;
  } catch (error) {
    // Absent, or not ours to trust (hand-edited): register a new one.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** A deleted database forgets clients: one token request tells. */
async function stillRegistered(issuer: string, client: DevAuthgentClient): Promise<boolean> {
  const response = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.client_id, client_secret: client.client_secret, resource: client.resource, scope: client.scope }),
  });
  await response.body?.cancel();
  return response.ok;
}
