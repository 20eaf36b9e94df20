/**
 * This stack's own outputs from its last deploy, for `removed-data.ts`: one
 * `StackReference` to the running stack, read once per run.
 *
 * Reading itself is allowed: the engine's builtin provider answers a
 * StackReference by asking the backend for the named stack's latest snapshot
 * and returning its root Stack resource's outputs, with no check of which
 * stack asks; a stack with no snapshot yet (the first deploy) gives `{}`
 * (pulumi/pulumi `pkg/resource/deploy/builtins.go` readStackReference,
 * `pkg/backend/backend.go` backendClient.GetStackOutputs). A read runs in
 * `pulumi preview` too, and during `pulumi up` the Stack resource keeps its
 * previous outputs until the program registers new ones at the end (its
 * registration is a SameStep, which "retains the ID and outputs":
 * `pkg/resource/deploy/step.go`), so both see the last deploy's.
 */
import * as pulumi from "@pulumi/pulumi";

/** Logical name of the read (a `read` row in the preview). */
export const PREVIOUS_OUTPUTS_NAME = "previous-outputs";

/** A read the engine never answers would hold the run; past this, the removal notes are skipped with a note instead. */
const READ_TIMEOUT_MS = 60_000;

/**
 * The last deploy's `servers` output; `undefined` on a first deploy.
 *
 * Read through `outputs` rather than `getOutputDetails`: `getOutput` indexes
 * `outputs` unguarded, so where the read has no outputs (Pulumi's mocks) it
 * rejects, and a rejected Output leaves derived promises (`isKnown`,
 * `isSecret`) nobody awaits — unhandled rejections, which fail the program
 * under Pulumi's runner. The engine's read always returns `outputs` (a map,
 * empty on a first deploy); a read without them (mocks, where a preview turns
 * a missing value into an unknown one whose apply never runs) counts as a
 * first deploy: `name` resolves in the same pass, and by the next macrotask
 * the apply on a known `outputs` has run.
 */
export async function readOwnPreviousServers(): Promise<unknown> {
  const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
  const ref = new pulumi.StackReference(PREVIOUS_OUTPUTS_NAME, { name: self });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to the StackReference read of ${self} within ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
  });
  // Only names are read from it; a secret output (none is, today) is unwrapped the same way inside the apply.
  const known = new Promise<unknown>((resolve) => void ref.outputs.apply((outputs: Record<string, unknown> | undefined) => resolve(outputs?.["servers"])));
  const unknown = new Promise<undefined>((resolve) => void ref.name.apply(() => setImmediate(() => resolve(undefined))));
  try {
    return await Promise.race([known, unknown, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
