/**
 * Every MCP server of a stack, sharing one bundle per worker source.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DeployBundle } from "../bundles.ts";
import type { FleetConfig } from "../config.ts";
import type { D1QueryApi } from "../d1-migrations.ts";
import type { ScriptMigrations } from "../migrations.ts";
import type { ServerCode } from "../server-code.ts";
import type { RolloutPlan } from "../rollout.ts";
import { nextTurn } from "../declare-fast.ts";
import { recordedData, type RecordedData } from "../removed-data.ts";
import { McpWorker, type McpWorkerArgs } from "./mcp-worker.ts";
import { MCP_FLEET_TYPE } from "./type-tokens.ts";

/** Pulumi type token of the component. */
export { MCP_FLEET_TYPE };

export interface McpFleetArgs {
  readonly config: FleetConfig;
  /** Bundles by worker source (`buildBundles`). */
  readonly bundles: ReadonlyMap<string, DeployBundle>;
  /** Pending Durable Object migrations by script name (`planMigrations`); absent = up to date. */
  readonly migrations: ReadonlyMap<string, ScriptMigrations | undefined>;
  /** How each `rollout:` server deploys this run, by script name (`planRollouts`). @default none */
  readonly rollouts?: ReadonlyMap<string, { readonly plan: RolloutPlan; readonly scriptExists: boolean }>;
  /** Escape hatch applied to every server's script args. @default identity */
  readonly transformScript?: McpWorkerArgs["transformScript"];
  /** Each server's code resolved against the stack, by server name (`loadFleetCode`). @default none — kit bindings only */
  readonly code?: ReadonlyMap<string, ServerCode>;
  /** Applies created D1 databases' migrations during `pulumi up`. @default none */
  readonly d1?: D1QueryApi;
}

/** What each server exports. */
export interface ServerOutputs {
  readonly scriptName: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly prmUrl: pulumi.Output<string>;
  readonly issuer: pulumi.Output<string>;
  readonly scopes: pulumi.Output<string[]>;
  /** `rollout:` servers: the version this run deploys (`npm run verify` pins it). */
  readonly versionId?: pulumi.Output<string>;
  /** `rollout:` servers of a stack with waves: the server's wave (`npm run verify -- --wave N` checks that wave's servers). */
  readonly wave?: pulumi.Output<number>;
  /** What holds the server's data, so the next run can say what a removal would delete (`removed-data.ts`); plain, known before any resource. */
  readonly data: RecordedData;
}

export class McpFleet extends pulumi.ComponentResource {
  readonly workers: ReadonlyMap<string, McpWorker>;
  readonly servers: Readonly<Record<string, ServerOutputs>>;
  /**
   * Resolves once every server is declared (`workers` and `servers` are
   * complete); rejects with the first error declaring one.
   */
  readonly declared: Promise<void>;

  constructor(name: string, args: McpFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MCP_FLEET_TYPE, name, {}, opts);
    const workers = new Map<string, McpWorker>();
    const servers: Record<string, ServerOutputs> = {};
    this.workers = workers;
    this.servers = servers;
    this.declared = this.declareServers(args, workers, servers);
    // Called now, sent once the servers are declared: a component that has not called registerOutputs
    // by its constructor's next microtask gets {} registered for it (@pulumi/pulumi resource.js,
    // ComponentResource.initializeAndRegisterOutputs). A failed declaration fails the run through
    // `declared`; the outputs then carry the servers declared so far instead of a second error.
    const complete = (): pulumi.Inputs => ({ servers });
    this.registerOutputs(this.declared.then(complete, complete));
  }

  /**
   * One server per event-loop turn (`nextTurn`), so each server's
   * registrations complete before the next server's start: declared in one
   * synchronous loop, 500 servers' pending registrations filled the heap and
   * the program took about twice as long (declare-fast.ts).
   */
  private async declareServers(args: McpFleetArgs, workers: Map<string, McpWorker>, servers: Record<string, ServerOutputs>): Promise<void> {
    const retired = new Set(args.config.retiredServers ?? []);
    for (const server of args.config.servers) {
      await nextTurn();
      const bundle = args.bundles.get(server.source);
      if (!bundle) throw new Error(`no bundle for worker source ${server.source} (server ${server.name})`);
      const migrations = args.migrations.get(server.scriptName);
      const rollout = args.rollouts?.get(server.scriptName);
      const worker = new McpWorker(
        server.name,
        {
          accountId: args.config.accountId,
          server,
          bundle,
          ...(migrations ? { migrations } : {}),
          ...(rollout ? { rollout } : {}),
          ...(args.transformScript ? { transformScript: args.transformScript } : {}),
          ...(retired.has(server.name) ? { deleteData: true } : {}),
          ...(args.code?.has(server.name) ? { code: args.code.get(server.name) } : {}),
          ...(args.d1 ? { d1: args.d1 } : {}),
        },
        { parent: this },
      );
      workers.set(server.name, worker);
      servers[server.name] = {
        scriptName: worker.scriptName,
        url: worker.url,
        prmUrl: worker.prmUrl,
        issuer: worker.issuer,
        scopes: worker.scopes,
        ...(worker.versionId ? { versionId: worker.versionId } : {}),
        ...(server.rollout?.wave !== undefined ? { wave: pulumi.output(server.rollout.wave) } : {}),
        data: recordedData(args.code?.get(server.name), retired.has(server.name)),
      };
    }
  }
}
