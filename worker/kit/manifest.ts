/**
 * A server's manifest: what it needs from its deployment, declared once next
 * to its code and read by Pulumi (`infra/`), local dev (`scripts/dev.ts`),
 * `npm run wrangler-config` and the tests. It extends the kit's own contract
 * (`worker/bindings.ts`: `MCP_OBJECT`, the vars, the rate limiter), which
 * every server gets without declaring it.
 *
 * Runtime-agnostic on purpose (Node loads it as well as the worker bundle):
 * the `env` type a manifest yields lives in `./manifest-env.ts`, which needs
 * the Workers types.
 */
import type { DurableObjectMigration } from "../bindings.ts";

/**
 * Binding kinds a server may declare, named after the Cloudflare Workers
 * binding they become (https://developers.cloudflare.com/workers/runtime-apis/bindings/).
 */
export const BINDING_KINDS = ["kv", "d1", "r2", "queue", "service", "hyperdrive", "ai", "analytics_engine", "var", "secret"] as const;
export type BindingKind = (typeof BINDING_KINDS)[number];

export interface BindingDeclarationBase<K extends BindingKind> {
  readonly kind: K;
  /** What the server uses it for; shown in config errors and generated docs. */
  readonly description?: string;
}

export interface D1BindingDeclaration extends BindingDeclarationBase<"d1"> {
  /**
   * Directory of the database's SQL migrations (`0001_init.sql`, … applied in
   * name order, as `wrangler d1 migrations` does), relative to the repository root.
   */
  readonly migrationsDir?: string;
}

export type BindingDeclaration =
  | BindingDeclarationBase<"kv">
  | D1BindingDeclaration
  | BindingDeclarationBase<"r2">
  | BindingDeclarationBase<"queue">
  | BindingDeclarationBase<"service">
  | BindingDeclarationBase<"hyperdrive">
  | BindingDeclarationBase<"ai">
  | BindingDeclarationBase<"analytics_engine">
  | BindingDeclarationBase<"var">
  | BindingDeclarationBase<"secret">;

/** One Durable Object class of the server's own (beside the kit's `AuthgentMCPAgent`). */
export interface DurableObjectDeclaration {
  /** Exported class name in the server module. */
  readonly className: string;
}

export interface ServerManifest {
  /** `env` property name → what it is. Names are upper-case identifiers and must not collide with the kit's own. */
  readonly bindings?: { readonly [name: string]: BindingDeclaration };
  /** `env` property name → the server's own Durable Object classes. */
  readonly durableObjects?: { readonly [binding: string]: DurableObjectDeclaration };
  /**
   * The server's Durable Object migration ledger, appended after the kit's
   * own steps (`DURABLE_OBJECT_MIGRATIONS`). Append-only, like the kit's.
   */
  readonly migrations?: readonly DurableObjectMigration[];
}

/**
 * Declares a manifest. Identity at runtime; `const M` keeps binding names and
 * kinds literal so `EnvOf<typeof manifest>` (`./manifest-env.ts`) types `env`.
 */
export function defineManifest<const M extends ServerManifest>(manifest: M): M {
  return manifest;
}
