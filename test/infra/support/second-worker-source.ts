/**
 * A second worker source for the fleet tests: a different entry point, so its
 * bundle (and hash) differs from worker/index.ts. The plan only builds and
 * hashes it; nothing runs it.
 */
export default {
  fetch: (): Response => new Response("second worker source"),
};
