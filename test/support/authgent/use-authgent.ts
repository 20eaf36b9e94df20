/**
 * Vitest glue: `describeWithAuthgent` runs a block only where the real server
 * can run (see `availability.ts`), and `useAuthgent` starts one server per
 * file in `beforeAll` and disposes it in `afterAll`.
 */
import { afterAll, beforeAll, describe, inject } from "vitest";
import { startAuthgent, type AuthgentServer, type StartAuthgentOptions } from "./server.ts";

/**
 * `describe`, skipped (and labelled as such) when Python >= 3.11 is missing
 * outside CI. Requires `test/support/authgent/global-setup.ts` in the project.
 */
export function describeWithAuthgent(name: string, body: () => void): void {
  const authgent = inject("authgent");
  if (authgent.available) describe(name, body);
  else describe.skip(`${name} [NOT RUN: ${authgent.reason}]`, body);
}

/**
 * One real Authgent for the calling file. Read `.server` inside tests or
 * hooks declared after this call.
 */
export function useAuthgent(options: Omit<StartAuthgentOptions, "venv"> = {}): { readonly server: AuthgentServer } {
  let server: AuthgentServer | undefined;
  beforeAll(async () => {
    const authgent = inject("authgent");
    if (!authgent.available) throw new Error(`useAuthgent() outside describeWithAuthgent: ${authgent.reason}`);
    server = await startAuthgent({ ...options, venv: authgent.venv });
  });
  afterAll(async () => {
    await server?.dispose();
  });
  return {
    get server(): AuthgentServer {
      if (!server) throw new Error("useAuthgent(): read .server inside tests, after beforeAll");
      return server;
    },
  };
}
