/**
 * One MCP server on Cloudflare Workers: the script with its bindings and
 * Durable Object migrations, its custom domain, zone routes and workers.dev
 * switch.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { MAIN_MODULE } from "../../worker/bindings.ts";
import { resourceMetadataUrl } from "../../worker/config.ts";
import type { DeployBundle } from "../bundles.ts";
import type { ServerConfig } from "../config.ts";
import type { ScriptMigrations } from "../migrations.ts";
import type { RolloutPlan } from "../rollout.ts";
import { createWorkerRollout, HOLD_ALL_INPUTS, VERSION_INPUTS, type WorkerRollout } from "./worker-rollout.ts";
import { scriptBindings, type ScriptBinding } from "../worker-bindings.ts";
import type { D1QueryApi } from "../d1-migrations.ts";
import type { ServerCode } from "../server-code.ts";
import { createBindingResources } from "./binding-resources.ts";
import { MCP_WORKER_TYPE } from "./type-tokens.ts";

/** Pulumi type token of the component. */
export { MCP_WORKER_TYPE };

export interface McpWorkerArgs {
  /** Cloudflare account id. */
  readonly accountId: string;
  /** The server, validated and defaulted by `parseStackConfig`. */
  readonly server: ServerConfig;
  /** The bundle of `server.source`. */
  readonly bundle: DeployBundle;
  /**
   * What the server's code declares, resolved against the stack
   * (`loadFleetCode`): its manifest bindings (created resources, references)
   * and its own Durable Objects are bound too.
   * @default none — only the kit's bindings
   */
  readonly code?: ServerCode;
  /** Applies created D1 databases' SQL migrations during `pulumi up`. @default none — listed, not applied */
  readonly d1?: D1QueryApi;
  /**
   * Durable Object migration steps still pending for this script (from
   * `planMigrations`: only the steps after its deployed tag).
   * @default none — the script is already at the ledger's last tag
   */
  readonly migrations?: ScriptMigrations;
  /**
   * Set for a `rollout:` server: how this run's version is deployed
   * (`planRollout`), and whether the script exists already (its version then
   * carries the pending migrations; a new script gets them at creation).
   * @default none — the script upload deploys at 100%
   */
  readonly rollout?: { readonly plan: RolloutPlan; readonly scriptExists: boolean };
  /**
   * Escape hatch: adjust the script's args before creation (e.g. `limits`,
   * `placement`, `tailConsumers`) instead of growing these args.
   * @default identity
   */
  readonly transformScript?: (args: cloudflare.WorkersScriptArgs) => cloudflare.WorkersScriptArgs;
  /**
   * The server is listed in `retiredServers`: its script loses `protect`, so
   * removing the server deletes the script and its Durable Object data.
   * @default false — a script that binds a Durable Object class is protected
   */
  readonly deleteData?: boolean;
}

export class McpWorker extends pulumi.ComponentResource {
  /** The worker script name. */
  readonly scriptName: pulumi.Output<string>;
  /** Public URL of the MCP server (its RFC 9728 `resource`, i.e. the audience). */
  readonly url: pulumi.Output<string>;
  /** RFC 9728 §3.1 Protected Resource Metadata URL. */
  readonly prmUrl: pulumi.Output<string>;
  /** The issuer tokens must come from (`AUTHGENT_ISSUER`, the PRM's `authorization_servers`); `npm run verify -- --stack` checks it. */
  readonly issuer: pulumi.Output<string>;
  /** Scopes this server's tools require (the Authgent clients must be allowed to request them). */
  readonly scopes: pulumi.Output<string[]>;
  readonly script: cloudflare.WorkersScript;
  readonly subdomain: cloudflare.WorkersScriptSubdomain;
  readonly customDomain?: cloudflare.WorkersCustomDomain;
  readonly routes: readonly cloudflare.WorkersRoute[];
  /** The version and deployment of a `rollout:` server. */
  readonly rollout?: WorkerRollout;
  /** Id of the version this run deploys (`rollout:` servers), for `npm run verify` to pin. */
  readonly versionId?: pulumi.Output<string>;
  /** Resources created for the server's manifest bindings (KV, D1, R2, queues), by binding name. */
  readonly data: ReadonlyMap<string, pulumi.CustomResource>;

  /** Earlier logical names (`previousNames`), so a renamed server keeps its resources instead of replacing them. */
  private readonly previousNames: readonly string[];

  constructor(name: string, args: McpWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MCP_WORKER_TYPE, name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), ...args.server.previousNames.map((previous) => ({ name: previous }))] });
    const { server } = args;
    this.previousNames = server.previousNames;
    const data = args.code
      ? createBindingResources(
          name,
          { accountId: args.accountId, code: args.code, stackSecrets: new Set(server.secrets.keys()), ...(args.d1 ? { d1: args.d1 } : {}) },
          (suffix) => ({ parent: this, aliases: this.aliases(suffix) }),
        )
      : undefined;
    this.data = data?.created ?? new Map();
    const bindings = [...scriptBindings(server), ...(data?.bindings ?? [])];
    const scriptArgs = this.scriptArgs(args, bindings);
    const held = args.rollout?.plan.kind === "hold";
    this.script = this.createScript(name, scriptArgs, { rolling: args.rollout !== undefined, held, protect: !args.deleteData && bindings.some(holdsData) });
    if (args.rollout) {
      this.rollout = createWorkerRollout(
        name,
        {
          accountId: args.accountId,
          scriptName: this.script.scriptName,
          script: scriptArgs,
          // A held server's pending migrations wait for its wave, with its next version.
          ...(args.migrations && args.rollout.scriptExists && !held ? { migrations: args.migrations } : {}),
          plan: args.rollout.plan,
        },
        (suffix) => ({ parent: this, aliases: this.aliases(suffix) }),
      );
      this.versionId = this.rollout.version.id;
    }
    this.subdomain = this.createSubdomain(name, args);
    const domain = this.createCustomDomain(name, args);
    if (domain) this.customDomain = domain;
    this.routes = this.createRoutes(name, server);

    this.scriptName = this.script.scriptName;
    this.url = pulumi.output(server.audience);
    this.prmUrl = pulumi.output(resourceMetadataUrl(server.audience));
    this.issuer = pulumi.output(server.issuer);
    this.scopes = pulumi.output([...server.scopes]);
    this.registerOutputs({
      scopes: this.scopes,
      scriptName: this.scriptName,
      url: this.url,
      prmUrl: this.prmUrl,
      issuer: this.issuer,
      customDomain: server.customDomain?.hostname ?? null,
      workersDev: server.workersDev,
      versionId: this.versionId ?? null,
    });
  }

  /** The script's args after `transformScript`; a rollout's version shares them. */
  private scriptArgs(args: McpWorkerArgs, bindings: ScriptBinding[]): cloudflare.WorkersScriptArgs {
    const { server } = args;
    const scriptArgs: cloudflare.WorkersScriptArgs = {
      accountId: args.accountId,
      scriptName: server.scriptName,
      mainModule: MAIN_MODULE,
      contentFile: args.bundle.contentFile,
      contentSha256: args.bundle.sha256,
      compatibilityDate: server.compatibilityDate,
      compatibilityFlags: [...server.compatibilityFlags],
      bindings,
      ...(args.migrations && !args.rollout?.scriptExists ? { migrations: args.migrations } : {}),
      observability: { enabled: true, headSamplingRate: server.observabilitySampleRate },
      ...(server.keepBindings.length > 0 ? { keepBindings: [...server.keepBindings] } : {}),
    };
    return args.transformScript ? args.transformScript({ ...scriptArgs }) : scriptArgs;
  }

  private createScript(name: string, scriptArgs: cloudflare.WorkersScriptArgs, { rolling, held, protect }: { rolling: boolean; held: boolean; protect: boolean }): cloudflare.WorkersScript {
    return new cloudflare.WorkersScript(`${name}-script`, scriptArgs, {
      parent: this,
      aliases: this.aliases("-script"),
      // A Durable Object namespace lives and dies with its script. `protect` makes the engine stop before
      // any delete or replace, naming the script's URN (pulumi/pulumi pkg/resource/deploy/step.go,
      // deleteProtectedError; pulumi.com/docs/iac/concepts/resources/options/protect);
      // `retainOnDelete` would only drop it from state and leave the Worker serving on its routes
      // (.../options/retainondelete). `false` is sent explicitly so a retired server's state changes.
      protect,
      // A rollout server's code goes out as versions; the script upload would deploy it at 100%.
      // A server whose wave is not moving keeps its script as it is: the provider's Update reads contentFile
      // from disk and PUTs the whole script, which deploys it at 100% (terraform-provider-cloudflare
      // internal/services/workers_script/resource.go, Update).
      ...(held ? { ignoreChanges: HOLD_ALL_INPUTS } : rolling ? { ignoreChanges: VERSION_INPUTS } : {}),
    });
  }

  /** Always declared, so "off" is enforced rather than left to the account default. */
  private createSubdomain(name: string, args: McpWorkerArgs): cloudflare.WorkersScriptSubdomain {
    return new cloudflare.WorkersScriptSubdomain(
      `${name}-subdomain`,
      {
        accountId: args.accountId,
        scriptName: this.script.scriptName,
        enabled: args.server.workersDev,
        // Preview URLs would expose every uploaded version, not just the deployed one.
        previewsEnabled: false,
      },
      { parent: this, aliases: this.aliases("-subdomain") },
    );
  }

  private createCustomDomain(name: string, args: McpWorkerArgs): cloudflare.WorkersCustomDomain | undefined {
    const domain = args.server.customDomain;
    if (!domain) return undefined;
    return new cloudflare.WorkersCustomDomain(
      `${name}-domain`,
      {
        accountId: args.accountId,
        hostname: domain.hostname,
        service: this.script.scriptName,
        ...(domain.zoneId ? { zoneId: domain.zoneId } : { zoneName: domain.zoneName }),
      },
      // A hostname can be attached once: replacing must detach the old one first.
      { parent: this, deleteBeforeReplace: true, aliases: this.aliases("-domain") },
    );
  }

  private createRoutes(name: string, server: ServerConfig): cloudflare.WorkersRoute[] {
    return server.routes.map(
      (route) =>
        new cloudflare.WorkersRoute(
          `${name}-route-${routeSlug(route.pattern)}`,
          { zoneId: route.zoneId, pattern: route.pattern, script: this.script.scriptName },
          { parent: this, deleteBeforeReplace: true, aliases: this.aliases(`-route-${routeSlug(route.pattern)}`) },
        ),
    );
  }

  /** A child's names under the server's earlier names (URNs keep the parent's type chain, not its name). */
  private aliases(suffix: string): pulumi.Alias[] {
    return this.previousNames.map((previous) => ({ name: `${previous}${suffix}` }));
  }
}

/** A Durable Object namespace binding: its objects' storage is deleted with the script. */
function holdsData(binding: ScriptBinding): boolean {
  return binding.type === "durable_object_namespace";
}

/** Names routes by pattern, so reordering the list does not replace them. */
export function routeSlug(pattern: string): string {
  return pattern
    .toLowerCase()
    .replace(/\*/g, "star")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
