/**
 * A local stand-in for the few Cloudflare API endpoints a Workers deploy
 * touches, on 127.0.0.1, enforcing Cloudflare's Durable Object migration
 * rules so the migration ledger can be proven offline:
 *
 * - `GET  /client/v4/accounts/:account/workers/services/:script` — the
 *   script's `default_environment.script.migration_tag` (404, code 10090,
 *   when the script does not exist).
 * - `PUT  /client/v4/accounts/:account/workers/scripts/:script` — multipart
 *   upload (`metadata` JSON part + module parts) as the provider sends it.
 *   A `migrations.old_tag` that differs from the script's current tag is
 *   rejected (HTTP 412, code 10079 "Migration tag precondition failed"), as
 *   are creating a class that already exists (10074) and binding a Durable
 *   Object class no migration created (10061).
 * - `GET  /client/v4/accounts/:account/workers/scripts/:script/deployments`
 *   — the script's deployments, newest first (each upload deploys its new
 *   version at 100%; tests set others with `deploy`).
 * - `GET  /client/v4/accounts/:account/workers/scripts` (account-wide
 *   listing) is recorded and refused, so tests can prove it is never used.
 * - `POST /client/v4/accounts/:account/d1/database/:id/query` — body
 *   `{ sql }` run by the test's `d1` executor (e.g. a Miniflare D1 database,
 *   real SQLite); a failing statement is HTTP 400, code 7500, with the
 *   database's message, as D1 answers; an unknown database 404, code 7404.
 *
 * Every request needs `Authorization: Bearer <apiToken>` (else 403, code 10000).
 * `throttle(n, retryAfter)` answers the next n requests with Cloudflare's
 * rate-limit response: HTTP 429, code 971 ("Please wait and consider
 * throttling your request speed"), with `Retry-After` in seconds.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeScript {
  readonly name: string;
  /** Last applied migration tag; undefined before the first migration. */
  migrationTag: string | undefined;
  /** Durable Object classes that exist (created by migrations). */
  readonly classes: Set<string>;
  /** The `metadata` part of the last successful upload. */
  metadata: UploadMetadata;
  /** Successful uploads so far. */
  uploads: number;
  /** Deployments, newest first: the versions serving traffic and their percentages. */
  deployments: { readonly versions: readonly { readonly version_id: string; readonly percentage: number }[] }[];
}

export interface UploadMetadata {
  readonly main_module?: string;
  readonly bindings?: readonly { readonly type: string; readonly name: string; readonly class_name?: string; readonly text?: string }[];
  readonly migrations?: MigrationsMetadata;
  readonly [key: string]: unknown;
}

interface StepMetadata {
  readonly new_classes?: readonly string[];
  readonly new_sqlite_classes?: readonly string[];
  readonly renamed_classes?: readonly { readonly from: string; readonly to: string }[];
  readonly deleted_classes?: readonly string[];
}

export interface MigrationsMetadata extends StepMetadata {
  readonly old_tag?: string;
  readonly new_tag?: string;
  readonly steps?: readonly StepMetadata[];
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface FakeCloudflareApi {
  /** API root to use as `baseUrl`, e.g. http://127.0.0.1:PORT/client/v4 */
  readonly url: string;
  /** Scripts by `<account>/<name>`. */
  readonly scripts: Map<string, FakeScript>;
  readonly requests: FakeRequest[];
  /** Answers the next `count` requests with 429 and `Retry-After: retryAfterSeconds`. */
  throttle(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

/** Runs one D1 query (one or more statements) for the fake's query endpoint; throws with the database's message. */
export type FakeD1Executor = (databaseId: string, sql: string) => Promise<readonly { readonly results: readonly unknown[]; readonly success: boolean }[] | undefined>;

export interface FakeCloudflareApiOptions {
  /** The only accepted bearer token. */
  readonly apiToken: string;
  /** Backs the D1 query endpoint; `undefined` from it means no such database. @default none: every database is unknown */
  readonly d1?: FakeD1Executor;
  /** @default 0 (any free port) */
  readonly port?: number;
}

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly apiCode: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeCloudflareApi(options: FakeCloudflareApiOptions): Promise<FakeCloudflareApi> {
  const scripts = new Map<string, FakeScript>();
  const requests: FakeRequest[] = [];
  const throttled = { count: 0, retryAfter: 0 };
  const server: Server = createServer((req, res) => {
    if (throttled.count > 0) {
      throttled.count--;
      res.setHeader("retry-after", String(throttled.retryAfter));
      reply(res, req, requests, 429, { success: false, errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }], messages: [], result: null });
      return;
    }
    handle(req, options.apiToken, scripts, options.d1).then(
      (result) => reply(res, req, requests, 200, { success: true, errors: [], messages: [], result }),
      (err: unknown) => {
        const failure = err instanceof ApiFailure ? err : new ApiFailure(500, 10013, "internal error in the fake");
        reply(res, req, requests, failure.status, { success: false, errors: [{ code: failure.apiCode, message: failure.message }], messages: [], result: null });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    scripts,
    requests,
    throttle: (count, retryAfterSeconds) => {
      throttled.count = count;
      throttled.retryAfter = retryAfterSeconds;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function reply(res: ServerResponse, req: IncomingMessage, log: FakeRequest[], status: number, body: unknown): void {
  log.push({ method: req.method ?? "GET", path: new URL(req.url ?? "/", "http://fake").pathname, status });
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, apiToken: string, scripts: Map<string, FakeScript>, d1: FakeD1Executor | undefined): Promise<unknown> {
  if (req.headers.authorization !== `Bearer ${apiToken}`) throw new ApiFailure(403, 10000, "Authentication error");
  const path = new URL(req.url ?? "/", "http://fake").pathname;
  const service = /^\/client\/v4\/accounts\/([^/]+)\/workers\/services\/([^/]+)$/.exec(path);
  if (service && req.method === "GET") {
    const script = scripts.get(`${service[1]}/${service[2]}`);
    if (!script) throw new ApiFailure(404, 10090, "workers.api.error.service_not_found");
    return {
      id: script.name,
      default_environment: { environment: "production", script: { id: script.name, migration_tag: script.migrationTag ?? "" } },
    };
  }
  const deployments = /^\/client\/v4\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/deployments$/.exec(path);
  if (deployments && req.method === "GET") {
    const script = scripts.get(`${deployments[1]}/${deployments[2]}`);
    if (!script) throw new ApiFailure(404, 10007, "This Worker does not exist on your account.");
    return { deployments: script.deployments };
  }
  if (/^\/client\/v4\/accounts\/[^/]+\/workers\/scripts\/?$/.test(path)) {
    throw new ApiFailure(400, 10021, "account-wide script listing is refused by this fake: read one script instead");
  }
  const query = /^\/client\/v4\/accounts\/[^/]+\/d1\/database\/([^/]+)\/query$/.exec(path);
  if (query && req.method === "POST") return queryD1(req, query[1] ?? "", d1);
  const upload = /^\/client\/v4\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)$/.exec(path);
  if (upload && req.method === "PUT") return uploadScript(req, `${upload[1]}/${upload[2]}`, upload[2] ?? "", scripts);
  throw new ApiFailure(404, 7003, "No route for that URI");
}

async function uploadScript(req: IncomingMessage, key: string, name: string, scripts: Map<string, FakeScript>): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let form: FormData;
  try {
    form = await new Response(Buffer.concat(chunks), { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
  } catch {
    throw new ApiFailure(400, 10011, "expected a multipart/form-data upload");
  }
  const metadataPart = form.get("metadata");
  if (metadataPart === null) throw new ApiFailure(400, 10021, "missing metadata part");
  const metadata = JSON.parse(typeof metadataPart === "string" ? metadataPart : await metadataPart.text()) as UploadMetadata;
  if (!metadata.main_module || form.get(metadata.main_module) === null) throw new ApiFailure(400, 10021, "main_module must name an uploaded module part");

  const existing = scripts.get(key);
  let tag = existing?.migrationTag;
  const classes = new Set(existing?.classes ?? []);
  const migrations = metadata.migrations;
  if (migrations) {
    if ((migrations.old_tag ?? undefined) !== tag) {
      throw new ApiFailure(412, 10079, `Migration tag precondition failed; current tag is '${tag ?? ""}'`);
    }
    for (const step of migrations.steps ?? [migrations]) applyStep(step, classes);
    tag = migrations.new_tag ?? tag;
  }
  for (const binding of metadata.bindings ?? []) {
    if (binding.type === "durable_object_namespace" && binding.class_name && !classes.has(binding.class_name)) {
      throw new ApiFailure(
        400,
        10061,
        `Cannot create binding for class '${binding.class_name}' because it is not currently configured to implement Durable Objects. Did you forget to apply a Durable Object migration?`,
      );
    }
  }
  const uploads = (existing?.uploads ?? 0) + 1;
  const deployed = { versions: [{ version_id: `${name}-v${uploads}`, percentage: 100 }] };
  const script: FakeScript = { name, migrationTag: tag, classes, metadata, uploads, deployments: [deployed, ...(existing?.deployments ?? [])] };
  scripts.set(key, script);
  return { id: name, migration_tag: tag ?? "" };
}

async function queryD1(req: IncomingMessage, databaseId: string, d1: FakeD1Executor | undefined): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let sql: unknown;
  try {
    sql = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { sql?: unknown }).sql;
  } catch {
    throw new ApiFailure(400, 7400, "The request is malformed: expected a JSON body");
  }
  if (typeof sql !== "string" || sql.trim() === "") throw new ApiFailure(400, 7400, "The request is malformed: sql is required");
  let results: Awaited<ReturnType<FakeD1Executor>>;
  try {
    results = d1 ? await d1(databaseId, sql) : undefined;
  } catch (err) {
    throw new ApiFailure(400, 7500, (err as Error).message);
  }
  if (results === undefined) throw new ApiFailure(404, 7404, "The database could not be found");
  return results;
}

function applyStep(step: StepMetadata, classes: Set<string>): void {
  for (const name of [...(step.new_classes ?? []), ...(step.new_sqlite_classes ?? [])]) {
    if (classes.has(name)) throw new ApiFailure(400, 10074, `Cannot apply new-class migration to class '${name}' that is already depended on by existing Durable Objects`);
    classes.add(name);
  }
  for (const { from, to } of step.renamed_classes ?? []) {
    if (!classes.delete(from)) throw new ApiFailure(400, 10074, `Cannot apply rename migration from class '${from}', which does not exist`);
    classes.add(to);
  }
  for (const name of step.deleted_classes ?? []) {
    if (!classes.delete(name)) throw new ApiFailure(400, 10074, `Cannot apply delete migration to class '${name}', which does not exist`);
  }
}
