import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { workerTestMiniflareOptions } from "./test/support/worker-pool-options.ts";

export default defineConfig({
  test: {
    // Vitest's default is one worker per core minus one: a single worker on CI's two cores, although
    // most files wait on child processes (workerd, tsx, Python, PostgreSQL). Two side by side: the
    // suite took 295 s instead of 401 s on this machine, with the same 1,377 tests passing.
    maxWorkers: 2,
    projects: [
      {
        // Runtime code runs inside workerd, the same runtime as production.
        plugins: [cloudflareTest(({ inject }) => workerTestMiniflareOptions(inject("devIssuer")))],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["./test/support/issuer-global-setup.ts"],
        },
      },
      {
        // Deploy-time code, scripts and end-to-end tests that drive workerd from outside.
        test: {
          name: "node",
          environment: "node",
          include: ["test/infra/**/*.test.ts", "test/e2e/**/*.test.ts", "test/scripts/**/*.test.ts", "test/ci/**/*.test.ts", "test/docs/**/*.test.ts"],
          exclude: ["test/scripts/dev-authgent.test.ts"],
          globalSetup: ["./test/support/issuer-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The bundled worker in workerd against the released authgent-server
        // (a Python process from a cached, pinned venv; see test/support/authgent/).
        test: {
          name: "interop",
          environment: "node",
          // npm start -- --authgent needs the same venv.
          include: ["test/interop/**/*.test.ts", "test/scripts/dev-authgent.test.ts"],
          // One throwaway PostgreSQL cluster for the multi-replica and migration suites.
          globalSetup: ["./test/support/authgent/global-setup.ts", "./test/support/postgres/global-setup.ts"],
          // Mostly waiting (on Authgent, and one JWKS cooldown in key-lifecycle):
          // its files overlap well even on two cores. Its own worker count
          // needs its own group, run after the others.
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
