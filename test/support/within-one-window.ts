/** Both rate limiters count in windows aligned to the minute, ms. */
const WINDOW_MS = 60_000;

/**
 * Runs `attempt` until one run starts and ends in the same minute-aligned
 * rate-limit window. A run that straddles a boundary proves nothing either
 * way (its requests split across two windows), so it is repeated; it cannot
 * straddle twice in a row. `attempt` must use a fresh user on every call.
 * Plain JS: used by the workerd suites and the Node end-to-end suites.
 */
export async function withinOneWindow<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; tries < 3; tries++) {
    const window = Math.floor(Date.now() / WINDOW_MS);
    const result = await attempt();
    if (Math.floor(Date.now() / WINDOW_MS) === window) return result;
  }
  throw new Error("could not complete the run inside one rate-limit window");
}
