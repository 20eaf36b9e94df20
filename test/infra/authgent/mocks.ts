/**
 * Pulumi mocks for the Authgent component tests: every resource the program
 * registers is recorded with the inputs the engine would receive (secrets
 * still wrapped, so tests can assert secrecy) and the options it was created
 * with (captured by a transformation on the component).
 */
import * as pulumi from "@pulumi/pulumi";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as sent to the engine; secret values are `{ <sig>: <secret>, value }` wrappers. */
  readonly inputs: Record<string, unknown>;
  /** Provider reference (`urn::id`) the engine was told to use. */
  readonly provider: string;
}

export interface RecordedOptions {
  readonly type: string;
  readonly name: string;
  readonly opts: pulumi.ResourceOptions;
}

export const recorded: RecordedResource[] = [];
export const recordedOptions: RecordedOptions[] = [];

export function installMocks(): void {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, provider: args.provider ?? "" });
        // Echo inputs as state, plus the outputs the component reads.
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/remoteImage:RemoteImage") state["imageId"] = `sha256:image-of-${args.name}`;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "authgent-edge",
    "test",
    false,
  );
}

export function resetRecords(): void {
  recorded.length = 0;
  recordedOptions.length = 0;
}

/** Pass as `transformations` on the component: children inherit it, so every child's options are seen. */
export const captureOptions: pulumi.ResourceTransformation = ({ type, name, props, opts }) => {
  recordedOptions.push({ type, name, opts });
  return { props, opts };
};

export function isSecretInput(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** The value inside a secret wrapper (or the value itself). */
export function reveal<T = unknown>(value: unknown): T {
  return (isSecretInput(value) ? (value as { value: unknown }).value : value) as T;
}

export function ofType(type: string): RecordedResource[] {
  return recorded.filter((resource) => resource.type === type);
}

export function named(name: string): RecordedResource {
  const found = recorded.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource named ${name}; recorded: ${recorded.map((r) => r.name).join(", ")}`);
  return found;
}

export function optionsOf(name: string): pulumi.CustomResourceOptions {
  const found = recordedOptions.find((entry) => entry.name === name);
  if (!found) throw new Error(`no options recorded for ${name}`);
  // Every child of the component is a custom resource.
  return found.opts as pulumi.CustomResourceOptions;
}

/** Resolves when `output` has a value, i.e. the resources it depends on are registered. */
export function settle<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

export const DOCKER_TYPES = {
  provider: "pulumi:providers:docker",
  network: "docker:index/network:Network",
  image: "docker:index/remoteImage:RemoteImage",
  volume: "docker:index/volume:Volume",
  container: "docker:index/container:Container",
} as const;
