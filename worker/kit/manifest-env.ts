/**
 * The `env` a manifest yields: the kit's own `Env` plus exactly the declared
 * bindings, typed with the Workers runtime types. A tool typed with
 * `EnvOf<typeof manifest>` cannot read a binding the manifest does not declare.
 */
import type { Env } from "../env.ts";
import type { BindingKind, ServerManifest } from "./manifest.ts";

/** The runtime type of each binding kind (@cloudflare/workers-types). */
export interface BindingRuntimeTypes {
  readonly kv: KVNamespace;
  readonly d1: D1Database;
  readonly r2: R2Bucket;
  readonly queue: Queue;
  readonly service: Fetcher;
  readonly hyperdrive: Hyperdrive;
  readonly ai: Ai;
  readonly analytics_engine: AnalyticsEngineDataset;
  readonly var: string;
  readonly secret: string;
}

type DeclaredBindings<M extends ServerManifest> = M["bindings"] extends infer B extends { readonly [name: string]: { readonly kind: BindingKind } }
  ? { readonly [K in keyof B]: BindingRuntimeTypes[B[K]["kind"]] }
  : unknown;

type DeclaredDurableObjects<M extends ServerManifest> = M["durableObjects"] extends infer D extends object
  ? { readonly [K in keyof D]: DurableObjectNamespace }
  : unknown;

export type EnvOf<M extends ServerManifest> = Env & DeclaredBindings<M> & DeclaredDurableObjects<M>;
