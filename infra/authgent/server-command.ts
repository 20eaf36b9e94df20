/**
 * How the Authgent container runs authgent-server and how Docker checks it,
 * as plain argument lists: the component passes them to the container, the
 * generated Dockerfile bakes them in, and the tests run them verbatim against
 * the real server. No provider imports (the policy pack may bundle this).
 */
import { AUTHGENT_PORT } from "./server-release.ts";

export interface ServerCommandOptions {
  /**
   * Peers whose `X-Forwarded-Proto`/`-For` uvicorn trusts (`--forwarded-allow-ips`).
   * Behind Caddy that is every peer on the stack's private network ("*"):
   * nothing else can reach the container.
   */
  readonly forwardedAllowIps: string;
  /** @default AUTHGENT_PORT (8000) */
  readonly port?: number;
}

/**
 * Upstream's Dockerfile CMD (`uvicorn authgent_server.app:create_app
 * --factory --host 0.0.0.0 --port 8000`) plus proxy-header trust: the server
 * builds DPoP `htu` checks from `request.url` (endpoints/token.py), which is
 * only `https://…` when uvicorn believes Caddy's `X-Forwarded-Proto`.
 * uvicorn trusts those headers from 127.0.0.1 only by default, and Caddy is
 * another container.
 */
export function serverCommand(options: ServerCommandOptions): string[] {
  return [
    "uvicorn",
    "authgent_server.app:create_app",
    "--factory",
    "--host",
    "0.0.0.0",
    "--port",
    String(options.port ?? AUTHGENT_PORT),
    "--proxy-headers",
    "--forwarded-allow-ips",
    options.forwardedAllowIps,
  ];
}

/**
 * Readiness in Python (upstream's HEALTHCHECK uses Python's urllib: the slim
 * image has no curl or wget). `/ready` (endpoints/health.py) answers 200 only
 * when the database answers and an active signing key exists, where `/health`
 * is a bare liveness probe; urlopen raises on any non-2xx, so the exit code
 * is non-zero for a 503.
 */
export function healthcheckCommand(port: number = AUTHGENT_PORT): string[] {
  return ["python", "-c", `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${port}/ready', timeout=4)`];
}

/** Key rotation (cli.py `rotate_keys`): a new active key; old keys stay in the JWKS. */
export const ROTATE_KEYS_COMMAND = ["authgent-server", "rotate-keys"] as const;

/**
 * authgent-server's first start, run once: the app's own lifespan (app.py
 * `lifespan`) creates the tables (`Base.metadata.create_all`; the wheel ships
 * no Alembic migrations) and, on an empty database, generates the first
 * signing key (`JWKSService.get_active_key`), then shuts down. Every replica
 * does the same at startup; run first, alone, it leaves them nothing to race
 * for: `get_active_key` reads the active key with `scalar_one_or_none()`, so
 * two replicas that each generated one on an empty database would make every
 * later signing fail (MultipleResultsFound).
 */
export const BOOTSTRAP_COMMAND: readonly string[] = [
  "python",
  "-c",
  [
    "import asyncio",
    "from authgent_server.app import create_app",
    "async def first_start():",
    "    app = create_app()",
    "    async with app.router.lifespan_context(app):",
    "        pass",
    "asyncio.run(first_start())",
  ].join("\n"),
];
