/**
 * Pulumi's own mocks (`pulumi.runtime.setMocks`) plus a recorder of what the
 * program sends to the engine: type, name, parent and the serialized inputs
 * exactly as the resource monitor receives them — so secrecy is checked per
 * value, the way the engine would store it, not as the program meant it.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** Serialized-input markers (see @pulumi/pulumi/runtime/rpc.js). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** JSON value as the plan prints it: secrets are "[secret]", unknowns "[unknown]". */
export type PlanValue = string | number | boolean | null | PlanValue[] | { [key: string]: PlanValue };

export interface RegisteredResource {
  /** Pulumi type token, e.g. "cloudflare:index/workersScript:WorkersScript". */
  readonly type: string;
  readonly name: string;
  /** Logical name of the parent resource; null for resources directly under the stack. */
  readonly parent: string | null;
  /** Provider-managed (true) or component (false). */
  readonly custom: boolean;
  /** Inputs with every secret replaced by "[secret]". */
  readonly inputs: { [key: string]: PlanValue };
  /** Paths of the values sent as secrets, e.g. "bindings[11].text". */
  readonly secretPaths: readonly string[];
  /** Earlier names the engine should treat as this resource (`aliases` with a `name`). */
  readonly aliasNames: readonly string[];
  /** Inputs whose changes the engine ignores after creation (`ignoreChanges`). */
  readonly ignoreChanges: readonly string[];
  /** The `protect` option as sent; undefined when the program left it out (the engine then defaults it). */
  readonly protect?: boolean;
  /** Where the SDK says the resource was declared (`file:line` of the `new` call), as sent. */
  readonly sourcePosition?: string;
}

/** The values a provider would receive (secrets revealed), for provider stand-ins such as the fake Cloudflare API. */
export type ProviderInputs = Record<string, unknown>;

export interface MockEngineOptions {
  readonly project: string;
  readonly stack: string;
  /** Run as `pulumi preview` (true) or `pulumi up` (false). @default false */
  readonly preview?: boolean;
  /**
   * Called for every custom resource with its revealed inputs; may return
   * extra output state, or throw to fail the resource like a provider would.
   * @default none: every resource's outputs are its inputs
   */
  readonly onCreate?: (type: string, name: string, inputs: ProviderInputs) => Promise<Record<string, unknown> | void>;
}

export interface MockEngine {
  /** Every registered resource, in registration order. */
  readonly resources: RegisteredResource[];
  /** Outputs each component registered (`registerOutputs`), by logical name, secrets as "[secret]". */
  readonly componentOutputs: Map<string, { [key: string]: PlanValue }>;
  /** Errors thrown by `onCreate`, in order. */
  readonly failures: Error[];
  /** Resolves once every outstanding registration has finished. */
  settle(): Promise<void>;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getAliasesList(): { getSpec(): { getName(): string } | undefined }[];
  getIgnorechangesList(): string[];
  hasProtect(): boolean;
  getProtect(): boolean | undefined;
  getSourceposition(): { getUri(): string; getLine(): number } | undefined;
}
type RegisterFn = (req: RegisterRequest, callback: (err: Error | null, res?: unknown) => void) => void;
interface RegisterOutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type RegisterOutputsFn = (req: RegisterOutputsRequest, callback: (err: Error | null, res?: unknown) => void) => void;

/** Installs mocks and the recorder. Call once per program run (it resets Pulumi's runtime state). */
export async function startMockEngine(options: MockEngineOptions): Promise<MockEngine> {
  const resources: RegisteredResource[] = [];
  const failures: Error[] = [];
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        let extra: Record<string, unknown> | void = undefined;
        if (args.custom !== false && options.onCreate) {
          try {
            extra = await options.onCreate(args.type, args.name, reveal(args.inputs) as ProviderInputs);
          } catch (err) {
            failures.push(err as Error);
            throw err;
          }
        }
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: { ...(args.inputs as object), ...kubernetesAutoname(args.type, args.name, args.inputs), ...(extra ?? {}) } };
      },
      call: (args) => args.inputs,
    },
    options.project,
    options.stack,
    options.preview ?? false,
  );
  const componentOutputs = new Map<string, { [key: string]: PlanValue }>();
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: RegisterFn; registerResourceOutputs: RegisterOutputsFn };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const raw = req.getObject()?.toJavaScript() ?? {};
    const secretPaths: string[] = [];
    const inputs = toPlanValue(raw, "", secretPaths) as { [key: string]: PlanValue };
    const parentUrn = req.getParent();
    resources.push({
      type: req.getType(),
      name: req.getName(),
      parent: parentUrn ? (parentUrn.split("::").at(-1) ?? null) : null,
      custom: req.getCustom(),
      inputs,
      secretPaths,
      aliasNames: req
        .getAliasesList()
        .map((alias) => alias.getSpec()?.getName() ?? "")
        .filter((name) => name !== ""),
      ignoreChanges: req.getIgnorechangesList(),
      ...(req.hasProtect() ? { protect: req.getProtect() ?? false } : {}),
      ...sourcePosition(req),
    });
    original(req, callback);
  };
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    const name = req.getUrn().split("::").at(-1) ?? "";
    componentOutputs.set(name, toPlanValue(req.getOutputs()?.toJavaScript() ?? {}, "", []) as { [key: string]: PlanValue });
    originalOutputs(req, callback);
  };
  return { resources, componentOutputs, failures, settle: waitForRpcs };
}

function sourcePosition(req: RegisterRequest): { sourcePosition?: string } {
  const position = req.getSourceposition();
  return position ? { sourcePosition: `${position.getUri()}:${position.getLine()}` } : {};
}

/** Pulumi's own queue of outstanding resource operations (covers input resolution, not just the RPC). */
async function waitForRpcs(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs !== "function") throw new Error("@pulumi/pulumi no longer exposes runtime.waitForRPCs; update scripts/lib/mock-engine.ts");
  await runtime.waitForRPCs();
}

function toPlanValue(value: unknown, path: string, secretPaths: string[]): PlanValue {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return value.map((item, i) => toPlanValue(item, `${path}[${i}]`, secretPaths));
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) {
      secretPaths.push(path);
      return "[secret]";
    }
    if (record[SIG_KEY] === RESOURCE_SIG) return String(record["urn"] ?? "").split("::").at(-1) ?? "";
    const out: { [key: string]: PlanValue } = {};
    for (const key of Object.keys(record).sort()) {
      if (record[key] === undefined) continue;
      out[key] = toPlanValue(record[key], path ? `${path}.${key}` : key, secretPaths);
    }
    return out;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) return value;
  return String(value);
}

/** Mocks hand inputs over with secrets wrapped; a provider sees the plain values. */
function reveal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reveal);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return reveal(record["value"]);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/**
 * The Kubernetes provider names an object without `metadata.name` itself
 * ("<logical name>-<8 random characters>", pulumi-kubernetes
 * `provider/pkg/metadata` AssignNameIfAutonamable), so objects that refer to
 * it (a Deployment's `envFrom`) see a name. The stand-in is derived from the
 * logical name so two plans stay comparable.
 */
function kubernetesAutoname(type: string, name: string, inputs: unknown): Record<string, unknown> {
  if (!type.startsWith("kubernetes:") || typeof inputs !== "object" || inputs === null) return {};
  const metadata = (inputs as { metadata?: unknown }).metadata;
  if (typeof metadata !== "object" || metadata === null || "name" in metadata) return {};
  const suffix = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return { metadata: { ...metadata, name: `${name}-${suffix}` } };
}
