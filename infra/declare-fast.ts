/**
 * Declaring hundreds of resources cheaply. @pulumi/pulumi records a stack
 * trace for every promise it creates (`debuggablePromise` in
 * runtime/debuggable.js: `new Error().stack`, several per resource input,
 * used only to describe promises still pending at exit), and under tsx every
 * such trace is formatted through source maps. For a 500-server fleet that
 * was most of the program's CPU time (profiled: 7 s of 17 s in
 * `prepareStackTraceWithSourceMaps`, another 5 s capturing frames).
 *
 * So resource declaration runs with one-frame stacks and source maps off,
 * and both are restored afterwards. Errors the program reports to users are
 * typed and carry their own message; a crash inside the declaration still
 * names the failing function.
 */

/** Runs `declare` (synchronous resource constructors) with cheap stack traces. */
export function withCheapStacks<T>(declare: () => T): T {
  const limit = Error.stackTraceLimit;
  const sourceMaps = sourceMapsEnabled();
  Error.stackTraceLimit = 1;
  if (sourceMaps) process.setSourceMapsEnabled(false);
  try {
    return declare();
  } finally {
    Error.stackTraceLimit = limit;
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
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
