/**
 * Calls a policy's own validation function with a resource, the way the
 * analyzer does, and collects the violations. No PolicyPack is constructed
 * (that would start a gRPC server).
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

export interface FakeResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  /** @default "production" */
  readonly stack?: string;
}

export const urnOf = (r: FakeResource): string => `urn:pulumi:${r.stack ?? "production"}::authgent-edge::${r.type}::${r.name}`;

const notApplicable = (reason?: string): never => {
  throw new Error(`notApplicable: ${reason ?? ""}`);
};

/** Runs every validateResource function of `policy` against `resource`; returns the violation messages. */
export async function violations(policy: ResourceValidationPolicy, resource: FakeResource, config: object = {}): Promise<string[]> {
  const found: string[] = [];
  const report: ReportViolation = (message) => void found.push(message);
  const args: ResourceValidationArgs = {
    type: resource.type,
    name: resource.name,
    urn: urnOf(resource),
    props: resource.props,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
  for (const validate of validations) await validate?.(args, report);
  return found;
}

/** Runs a stack policy over a set of resources; returns `[message, urn]` pairs. */
export async function stackViolations(policy: StackValidationPolicy, resources: FakeResource[], config: object = {}): Promise<[string, string | undefined][]> {
  const found: [string, string | undefined][] = [];
  const report: ReportViolation = (message, urn) => void found.push([message, urn]);
  const args: StackValidationArgs = {
    resources: resources.map(
      (r) =>
        ({
          type: r.type,
          name: r.name,
          urn: urnOf(r),
          props: r.props,
          dependencies: [],
          propertyDependencies: {},
          isType: () => false,
          asType: () => undefined,
        }) as unknown as PolicyResource,
    ),
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  await policy.validateStack(args, report);
  return found;
}
