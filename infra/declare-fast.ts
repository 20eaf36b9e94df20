/**
 * Declaring hundreds of resources cheaply. Two costs grew faster than the
 * fleet, both inside @pulumi/pulumi's per-resource bookkeeping rather than in
 * anything the engine receives:
 *
 * - Stack traces. The SDK records one per promise it creates
 *   (`debuggablePromise` in runtime/debuggable.js: `new Error().stack`,
 *   about 260 per server: four per property of each resource, ~40 properties
 *   on a `WorkersScript`), used only to describe promises still pending at
 *   exit under `PULUMI_DEBUG_PROMISE_LEAKS`. Under tsx every trace was
 *   formatted through source maps (profiled: 7 s of 17 s for 500 servers).
 * - Registrations in flight. Declaring every server in one synchronous loop
 *   leaves every resource's pending outputs, serialization and RPC state
 *   alive at once; for 500 servers the live heap reached ≈ 340 MB and the
 *   garbage collector took about a quarter of the run's CPU, copying it.
 *
 * So declaration runs with empty stacks (`Error.stackTraceLimit = 0`) and
 * source maps off, and the fleet yields one event-loop turn per server
 * (`nextTurn`) so each server's registrations finish before the next one
 * starts. The RegisterResource and RegisterResourceOutputs requests keep
 * their properties, options, parents, aliases, dependencies and
 * `sourcePosition` (the SDK sets its own limit, `Infinity`, while it
 * captures it: resource.js, `Resource.callsites`); they arrive server by
 * server instead of type by type, which the engine does not depend on (a
 * child always waits for its parent's URN). Only the diagnostic `stackTrace`
 * is shorter: it ends at the fleet's declaration loop, which resumes from
 * the event loop rather than from `deployStack`.
 *
 * `PULUMI_DEBUG_PROMISE_LEAKS=1` keeps full stacks, for the SDK's leak report
 * and for a crash inside the declaration (otherwise reported by message only;
 * every error the program raises on purpose is typed and carries its own).
 */

/** A declaration that completes asynchronously, such as `McpFleet` (one server per turn). */
export interface AsyncDeclaration {
  /** Resolves once everything is declared. */
  readonly declared: Promise<void>;
}

/** Runs `declare` and waits for its `declared`, with cheap stack traces throughout. */
export async function withCheapStacks<T extends AsyncDeclaration>(declare: () => T): Promise<T> {
  const limit = Error.stackTraceLimit;
  const sourceMaps = sourceMapsEnabled();
  if (!process.env["PULUMI_DEBUG_PROMISE_LEAKS"]) Error.stackTraceLimit = 0;
  if (sourceMaps) process.setSourceMapsEnabled(false);
  try {
    const declaration = declare();
    await declaration.declared;
    return declaration;
  } finally {
    Error.stackTraceLimit = limit;
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
}

/**
 * Resolves on the next event-loop turn (`setImmediate`), after the microtask
 * queue has drained: under the mock engine every registration already
 * declared has completed by then; under the real engine its RPC is on the
 * wire. Bounds the registrations in flight to one server's.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `render` (a whole program evaluation, async parts included) with
 * source maps off, restoring them afterwards: what the offline plan does,
 * and what `pulumi up` does for the program's whole life (`infra/index.ts`).
 */
export async function withoutSourceMaps<T>(render: () => Promise<T>): Promise<T> {
  const sourceMaps = sourceMapsEnabled();
  if (sourceMaps) process.setSourceMapsEnabled(false);
  try {
    return await render();
  } finally {
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
}

/** `process.sourceMapsEnabled` is Node ≥ 20.7; before it, assume on (tsx turns it on). */
function sourceMapsEnabled(): boolean {
  const flag = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled;
  return flag ?? true;
}
