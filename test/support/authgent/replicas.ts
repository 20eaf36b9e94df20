/**
 * Several authgent-server processes on one shared database behind one
 * address (a round-robin proxy), as a multi-replica deployment runs them:
 * every replica has the same `AUTHGENT_SERVER_URL` (the proxy's origin, so
 * the same `iss` and metadata), the same secret key (it encrypts the shared
 * signing keys: config.py `_kek_key`) and the same `AUTHGENT_DATABASE_URL`.
 */
import { freeLoopbackPort } from "../../../scripts/lib/free-port.ts";
import type { AuthgentVenv } from "../../../scripts/lib/authgent/venv.ts";
import { createAuthgentClient, type AuthgentClient } from "./client.ts";
import { startRoundRobinProxy, type RoundRobinProxy } from "./round-robin-proxy.ts";
import { startAuthgent, type AuthgentServer } from "./server.ts";

export interface StartReplicasOptions {
  readonly venv: AuthgentVenv;
  /** `AUTHGENT_DATABASE_URL`, shared by all replicas. */
  readonly databaseUrl: string;
  /** How many replicas. @default 2 */
  readonly count?: number;
  /**
   * Start them all at once (the first start of a Deployment) instead of one
   * after the other; a replica that fails to start is then reported in
   * `failures` instead of failing the call. @default false
   */
  readonly simultaneous?: boolean;
  /** Extra `AUTHGENT_*` settings for every replica. @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

export interface AuthgentReplicas extends AuthgentClient {
  /** The proxy's origin: `AUTHGENT_SERVER_URL` of every replica, so every token's `iss`. */
  readonly issuer: string;
  readonly proxy: RoundRobinProxy;
  /** The replicas that started, in the proxy's upstream order (`proxy.requests[].upstream` indexes them when all started). */
  readonly replicas: readonly AuthgentServer[];
  /** Why the others did not (only with `simultaneous`). */
  readonly failures: readonly Error[];
  dispose(): Promise<void>;
}

export async function startAuthgentReplicas(options: StartReplicasOptions): Promise<AuthgentReplicas> {
  const count = options.count ?? 2;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freeLoopbackPort());
  const proxy = await startRoundRobinProxy(ports.map((port) => `http://127.0.0.1:${port}`));
  const env = { AUTHGENT_SERVER_URL: proxy.origin, AUTHGENT_DATABASE_URL: options.databaseUrl, ...options.env };
  const start = (port: number) => startAuthgent({ venv: options.venv, port, env });
  const replicas: AuthgentServer[] = [];
  const failures: Error[] = [];
  try {
    if (options.simultaneous) {
      for (const result of await Promise.allSettled(ports.map(start))) {
        if (result.status === "fulfilled") replicas.push(result.value);
        else failures.push(result.reason instanceof Error ? result.reason : new Error(String(result.reason)));
      }
    } else {
      for (const port of ports) replicas.push(await start(port));
    }
  } catch (error) {
    await Promise.all(replicas.map((replica) => replica.dispose()));
    await proxy.close();
    throw error;
  }
  // Keep proxy indexes equal to `replicas` indexes: a replica that failed is drained.
  const started = new Set(replicas.map((replica) => replica.port));
  ports.forEach((port, index) => proxy.drain(index, !started.has(port)));
  const ordered = ports.map((port) => replicas.find((replica) => replica.port === port)).filter((replica): replica is AuthgentServer => replica !== undefined);
  return {
    ...createAuthgentClient(proxy.origin),
    issuer: proxy.origin,
    proxy,
    replicas: ordered,
    failures,
    dispose: async () => {
      await Promise.all(ordered.map((replica) => replica.dispose()));
      await proxy.close();
    },
  };
}
