/**
 * What the policies read from resource inputs: type tokens and the few
 * provider input shapes they inspect (@pulumi/cloudflare 6 `WorkersScript*`,
 * @pulumi/docker 5 `RemoteImage`). Plain strings, so the pack does not load
 * the provider SDKs.
 */

export const RESOURCE_TYPES = {
  workersScript: "cloudflare:index/workersScript:WorkersScript",
  workersCustomDomain: "cloudflare:index/workersCustomDomain:WorkersCustomDomain",
  workersRoute: "cloudflare:index/workersRoute:WorkersRoute",
  workersScriptSubdomain: "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  dockerContainer: "docker:index/container:Container",
  /** The Kubernetes target's settings (`authgent.kubernetes`): the same AUTHGENT_* values as the container's envs. */
  kubernetesConfigMap: "kubernetes:core/v1:ConfigMap",
  /** The Kubernetes target's workloads, whose pod templates name images. */
  kubernetesDeployment: "kubernetes:apps/v1:Deployment",
  kubernetesStatefulSet: "kubernetes:apps/v1:StatefulSet",
  kubernetesJob: "kubernetes:batch/v1:Job",
} as const;

/** One entry of `WorkersScript.bindings` (the fields the policies read). */
export interface ScriptBinding {
  readonly type: string;
  readonly name: string;
  readonly text?: string;
  readonly className?: string;
  /** Set when the Durable Object class lives in another worker. */
  readonly scriptName?: string;
}

/** `WorkersScript.bindings`, tolerating a missing or malformed list. */
export function scriptBindings(props: Record<string, unknown>): ScriptBinding[] {
  const bindings = props.bindings;
  if (!Array.isArray(bindings)) return [];
  return bindings.filter(
    (b): b is ScriptBinding => typeof b === "object" && b !== null && typeof (b as ScriptBinding).type === "string" && typeof (b as ScriptBinding).name === "string",
  );
}

/** The text of a `plain_text` binding, if the script declares one with that name. */
export function plainTextVar(props: Record<string, unknown>, name: string): string | undefined {
  return scriptBindings(props).find((b) => b.type === "plain_text" && b.name === name)?.text;
}

/** The stack name from a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  if (!match?.[1]) throw new Error(`not a Pulumi URN: ${urn}`);
  return match[1];
}
