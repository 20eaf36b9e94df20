/**
 * `npm start`: the MCP server on this machine, no Authgent or Cloudflare needed.
 *
 * Builds the worker, starts the local development issuer (tenant `dev`) and
 * runs the bundle in workerd with production's bindings, then prints the MCP
 * URL, a dev token and the commands to try it. `--issuer <url>` trusts a real
 * Authgent instead of the local issuer; `--authgent` runs the released
 * authgent-server locally (scripts/lib/authgent/dev-authgent.ts).
 */
import { constants } from "node:os";
import { join, resolve, relative } from "node:path";
import { parseArgs } from "node:util";
import { describeServerSource } from "../infra/server-description.ts";
import { REPO_ROOT, WORKER_ENTRY } from "../infra/worker-bundle.ts";
import { SCOPES } from "../worker/bindings.ts";
import { formatDevBanner } from "./lib/dev-banner.ts";
import { describeLocalServer, LocalServiceFlagError, parseServiceFlags, prepareLocalServer } from "./lib/dev-local-server.ts";
import { LocalBindingError } from "./lib/local-bindings.ts";
import { createDevDpopSession, devTokenPlan, formatDevDpopSection, saveDevDpopSession } from "./lib/dev-token.ts";
import { resolveLocalBindings, resolveLocalRun } from "../infra/local-run.ts";
import { startLocalIssuer, type IssuerAlg, type LocalIssuer } from "./lib/local-issuer.ts";
import { assertPortFree, startLocalWorker, type LocalWorker } from "./lib/local-worker.ts";
import { AuthgentSetupError } from "./lib/authgent/errors.ts";
import {
  devAuthgentPort,
  devAuthgentTokenCommand,
  ensureDevAuthgentVenv,
  startDevAuthgent,
  type DevAuthgent,
} from "./lib/authgent/dev-authgent.ts";
import type { AuthgentVenv } from "./lib/authgent/venv.ts";

const USAGE = `Usage: npm start -- [options]

  --port <n>          Port of the MCP server on 127.0.0.1 (default 8787)
  --issuer <url>      Trust this Authgent issuer instead of the local development issuer
  --authgent          Run the real authgent-server (the pinned release, from a cached venv; needs
                      Python >= 3.11) as the issuer, data in --state-dir; development only
  --issuer-port <n>   Port of the local issuer (default: --port + 1, with --authgent any free port;
                      0 = any free port)
  --state-dir <dir>   Where local data persists (default .dev-state): Durable Objects, and the
                      manifest's D1, KV, R2 and secrets file; a --stack run keeps each server's
                      data in <dir>/<stack>/<server>/
  --stack <name>      Run a server of Pulumi.<name>.yaml: its source, vars and bindings, with local
                      D1/KV/R2/queues (audience = this local URL, issuer = --issuer or the local
                      development issuer)
  --server <name>     Which server of --stack (needed when the stack has several)
  --source <entry>    Run this server module (defineMcpServer) instead of the default server
                      (or instead of the stack server's source)
  --service <BINDING>=<module>
                      Run <module> (a Worker module) as the local Worker the server's service
                      binding BINDING reaches; it gets the server's local secrets. Repeatable
  -h, --help          Show this help`;

/** Loopback only: the dev token is a real credential for this server. */
const HOST = "127.0.0.1";
const DEFAULT_PORT = 8787;
const DEV_SCOPE = `${SCOPES.read} ${SCOPES.write}`;

interface DevArgs {
  readonly port: number;
  readonly issuer?: string;
  /** Run the released authgent-server as the issuer. */
  readonly authgent: boolean;
  readonly issuerPort: number;
  readonly stateDir: string;
  readonly stack?: string;
  readonly server?: string;
  /** A server module to bundle instead of worker/index.ts. */
  readonly source?: string;
  /** `--service BINDING=<module>` by binding. */
  readonly services: ReadonlyMap<string, string>;
}

class UsageError extends Error {}

function parseDevArgs(argv: string[]): DevArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      issuer: { type: "string" },
      authgent: { type: "boolean" },
      "issuer-port": { type: "string" },
      "state-dir": { type: "string" },
      stack: { type: "string" },
      server: { type: "string" },
      source: { type: "string" },
      service: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (values.server !== undefined && values.stack === undefined) throw new UsageError("--server needs --stack <name>");
  if (values.authgent && values.issuer !== undefined) throw new UsageError("--authgent runs its own issuer: drop --issuer <url>");
  const port = parsePort("--port", values.port ?? String(DEFAULT_PORT), 1);
  const authgent = values.authgent === true;
  return {
    port,
    issuer: values.issuer === undefined ? undefined : parseIssuer(values.issuer),
    authgent,
    issuerPort: values["issuer-port"] === undefined ? (authgent ? 0 : port + 1) : parsePort("--issuer-port", values["issuer-port"], 0),
    stateDir: resolve(REPO_ROOT, values["state-dir"] ?? ".dev-state"),
    ...(values.stack === undefined ? {} : { stack: values.stack }),
    ...(values.server === undefined ? {} : { server: values.server }),
    ...(values.source === undefined ? {} : { source: resolve(process.cwd(), values.source) }),
    services: parseServiceFlags(values.service ?? []),
  };
}

function parsePort(flag: string, raw: string, min: number): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < min || port > 65535) {
    throw new UsageError(`${flag} must be an integer from ${min} to 65535, got "${raw}"`);
  }
  return port;
}

function parseIssuer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--issuer must be an absolute URL, got "${raw}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`--issuer must be an http(s) URL, got "${raw}"`);
  }
  // Used verbatim: tokens' `iss` must equal it exactly (RFC 8414 §3.3), so no normalising.
  return raw;
}

async function main(argv: string[]): Promise<void> {
  const args = parseDevArgs(argv);
  if (args === "help") return void console.log(USAGE);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.prependOnceListener(signal, announceShutdown);
  // Fail before the build if the port is taken: that is the common mistake.
  await assertPortFree(HOST, args.port);
  // A bad stack config fails here, before anything starts.
  const target = args.stack ? await resolveLocalRun({ stack: args.stack, ...(args.server ? { server: args.server } : {}) }) : undefined;

  // The stack server's own source unless --source overrides it. Bundled once and evaluated in Node:
  // a definition error fails here, naming the offender, and the manifest says which bindings to stand in for.
  const source = args.source ?? (target ? resolve(REPO_ROOT, target.source) : WORKER_ENTRY);
  const { description, bundle } = await describeServerSource(source);
  // Each stack server keeps its own local data, so two servers never share a Durable Object or a database.
  const dataDir = target ? join(args.stateDir, target.stack, target.server) : args.stateDir;
  const serverName = target?.server ?? description.name;
  // The stack's supply of the manifest's bindings, checked as the preview checks it.
  const supply = target ? await resolveLocalBindings(target, description.manifest) : undefined;
  const local = await prepareLocalServer({
    server: serverName,
    manifest: description.manifest,
    dataDir,
    services: args.services,
    ...(supply ? { vars: supply.vars, resourceNames: supply.resourceNames, serviceScripts: supply.serviceScripts } : {}),
    ...(target ? { stackSecrets: target.secretNames } : {}),
  });
  const devScope = description.scopes.length > 0 ? description.scopes.join(" ") : DEV_SCOPE;
  // No Python >= 3.11 fails here (exit 2, naming what is missing); a cold install takes ~20 s once.
  const venv: AuthgentVenv | undefined = args.authgent ? await ensureDevAuthgentVenv((line) => console.log(`[authgent] ${line}`)) : undefined;
  const authgentPort = venv ? await devAuthgentPort(args.issuerPort) : undefined;
  if (authgentPort !== undefined && args.issuerPort !== 0) {
    await assertPortFree(HOST, authgentPort).catch((err: unknown) => {
      throw new Error(`port ${authgentPort} on ${HOST} (authgent-server) is already in use; pick another port with --issuer-port`, { cause: err });
    });
  }
  console.log(`Built ${relative(REPO_ROOT, bundle.path)}${source !== WORKER_ENTRY ? ` from ${displayPath(source)}` : ""}`);

  const origin = `http://${HOST}:${args.port}`;
  // A stack may narrow JWT_ALGORITHMS or MAX_TOKEN_LIFETIME: the dev token must still pass.
  const tokenPlan = devTokenPlan(target?.vars ?? {});
  let issuer: LocalIssuer | undefined;
  let worker: LocalWorker | undefined;
  let authgent: DevAuthgent | undefined;
  const authgentIssuer = authgentPort === undefined ? undefined : `http://${HOST}:${authgentPort}`;
  const stop = async (): Promise<void> => {
    await worker?.dispose();
    await issuer?.close();
    await authgent?.stop();
  };
  try {
    // The authorization server issues tokens for this server only, within the stack's lifetime cap.
    issuer = args.issuer || venv ? undefined : await startDevIssuer(args.issuerPort, tokenPlan.alg, { [origin]: devScope.split(" ") }, tokenPlan.ttlSeconds);
    worker = await startLocalWorker({
      bundlePath: bundle.path,
      port: args.port,
      host: HOST,
      persistDir: dataDir,
      bindings: { ...local.bindings, text: { ...local.bindings.text, ...local.extraSecrets } },
      services: local.services,
      // MCP clients check `resource` against the URL they called (RFC 9728 §3.3), so the audience is local.
      vars: { ...target?.vars, AUTHGENT_ISSUER: args.issuer ?? authgentIssuer ?? issuer?.issuer, MCP_AUDIENCE: origin },
      ...(target ? { rateLimit: target.rateLimit.limit } : {}),
    });
    // With the scopes the served server's tools need, as its RFC 9728 metadata lists them.
    const scopes = issuer?.authorizationServer ? await servedScopes(worker.url) : undefined;
    if (scopes) issuer?.authorizationServer?.setResources({ [origin]: scopes });
    if (venv && authgentPort !== undefined) {
      // The worker fetches the JWKS on the first token, so Authgent may start after it.
      authgent = await startDevAuthgent({
        venv,
        stateDir: args.stateDir,
        port: authgentPort,
        audience: origin,
        scopes: (await servedScopes(worker.url)) ?? [SCOPES.read, SCOPES.write],
        maxTokenLifetimeSeconds: tokenPlan.ttlSeconds,
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const token = issuer ? await issuer.mint(origin, { ttlSeconds: tokenPlan.ttlSeconds, claims: { scope: devScope } }) : undefined;

  if (target) {
    console.log(`Stack ${target.stack}, server ${target.server} (${displayPath(resolve(REPO_ROOT, target.source))}): deployed vars and bindings, local audience and issuer`);
    for (const warning of target.warnings ?? []) console.warn(`warning: ${warning}`);
  }
  const bindingLines = describeLocalServer(local, description.manifest, {
    dataDir,
    services: new Map([...args.services].map(([binding, module]) => [binding, displayPath(resolve(process.cwd(), module))])),
    serviceScripts: supply?.serviceScripts ?? {},
    migrations: worker.migrations,
  });
  if (bindingLines.length > 0) console.log(["Local bindings:", ...bindingLines.map((line) => `  ${line}`)].join("\n"));
  for (const note of local.bindings.notes) console.log(`note: ${note}`);
  console.log(
    formatDevBanner({
      origin: worker.url,
      issuer: args.issuer ?? authgent?.issuer ?? issuer?.issuer ?? "",
      token,
      tokenTtlSeconds: tokenPlan.ttlSeconds,
      scope: devScope,
      stateDir: displayPath(dataDir),
      oauth: issuer?.authorizationServer !== undefined,
      ...(authgent
        ? {
            scope: authgent.client.scope,
            issuerNote: `authgent-server ${authgent.serverVersion}, pid ${authgent.pid}, consent auto_approve: development only`,
            tokenHowTo: [
              `Get a token from authgent-server (client_credentials, resource ${origin}; its client, keys and`,
              `database are kept in ${displayPath(args.stateDir)}/authgent/):`,
              "",
              `  ${devAuthgentTokenCommand(authgent.issuer, authgent.client)}`,
              "",
            ],
          }
        : {}),
    }),
  );
  const devIssuer = issuer;
  if (devIssuer) {
    // RFC 9449: a second dev token bound to a key kept in the state dir; scripts/dpop-proof.ts signs its proofs.
    const dpop = await createDevDpopSession(`${origin}/mcp`, (jkt) =>
      devIssuer.mint(origin, { ttlSeconds: tokenPlan.ttlSeconds, claims: { scope: devScope, cnf: { jkt } } }),
    );
    await saveDevDpopSession(args.stateDir, dpop);
    console.log(formatDevDpopSection(dpop, displayPath(args.stateDir), target?.vars.REQUIRE_DPOP === "true"));
  }
}

/**
 * Ctrl-C. Miniflare installs an exit hook (exit-hook) that terminates workerd
 * synchronously and exits with 128+signal, so no async cleanup could finish
 * after it anyway; this handler runs first and only says what is happening.
 * The local issuer's sockets close with the process.
 */
function announceShutdown(signal: NodeJS.Signals): void {
  console.log(`\n${signal}: stopping workerd and the local issuer`);
  // authgent-server runs in its own process group; scripts/lib/authgent/process.ts's exit hook kills it.
  // Before Miniflare starts nobody else listens, and a listener disables Node's default exit.
  if (process.listenerCount(signal) === 0) process.exit(128 + constants.signals[signal]);
}

/**
 * `scopes_supported` of the worker's protected resource metadata (RFC 9728 §2),
 * derived from its tool registry; undefined (the defaults stay) when the worker
 * cannot say, e.g. a misconfigured var makes it answer 503, which it then
 * reports on every request.
 */
async function servedScopes(workerUrl: string): Promise<string[] | undefined> {
  const response = await fetch(`${workerUrl}/.well-known/oauth-protected-resource`);
  const metadata = (await response.json().catch(() => ({}))) as { scopes_supported?: unknown };
  const scopes = metadata.scopes_supported;
  if (!response.ok || !Array.isArray(scopes) || !scopes.every((s): s is string => typeof s === "string")) return undefined;
  return scopes;
}

function displayPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel && !rel.startsWith("..") ? rel : path;
}

async function startDevIssuer(port: number, alg: IssuerAlg, resources: Record<string, string[]>, ttlSeconds: number): Promise<LocalIssuer> {
  try {
    // No admin API: nothing but this process needs to mint, and nothing else should be able to.
    return await startLocalIssuer({ port, alg, admin: false, authorizationServer: { resources, accessTokenTtlSeconds: ttlSeconds } });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Error(
        `port ${port} on ${HOST} (local development issuer) is already in use; stop the other process or pick another port with --issuer-port`,
        { cause: err },
      );
    }
    throw err;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // A missing prerequisite (no Python >= 3.11 for --authgent) is the caller's to fix, like a bad flag.
  const missing = err instanceof AuthgentSetupError && err.code === "ERR_PYTHON_MISSING";
  // Fixed by changing the command line: a flag, a server name, a --service for an unwired service binding.
  const usage =
    err instanceof UsageError ||
    err instanceof LocalServiceFlagError ||
    (err instanceof LocalBindingError && err.problem === "service_unwired") ||
    (err as { code?: string }).code === "ERR_SERVER_SELECTION" ||
    (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  console.error(`npm start: ${err instanceof Error ? err.message : String(err)}`);
  if (usage) console.error(`\n${USAGE}`);
  process.exit(usage || missing ? 2 : 1);
});
