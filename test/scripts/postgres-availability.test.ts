/**
 * When the suites that need a real PostgreSQL run, install it, or are
 * reported as not run (test/support/postgres/): the same rule as the real
 * Authgent (authgent-availability.test.ts). Missing binaries are installed
 * where that is allowed; a missing PostgreSQL is skipped only outside CI;
 * anything else fails everywhere.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { postgresAvailability } from "../support/postgres/availability.ts";
import { ensurePostgresBinaries, findPostgresBinaries, PostgresSetupError, type PostgresBinaries } from "../support/postgres/binaries.ts";

const postgresMissing = (): Promise<PostgresBinaries> => Promise.reject(new PostgresSetupError("ERR_POSTGRES_MISSING", "PostgreSQL server binaries are needed"));
const NOWHERE = "/nonexistent/postgresql/bin";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** initdb, pg_ctl and a psql that answers --version, as stand-ins for an install. */
async function fakeBinDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fake-pg-bin-"));
  dirs.push(dir);
  for (const name of ["initdb", "pg_ctl", "psql"]) {
    await writeFile(join(dir, name), '#!/bin/sh\necho "psql (PostgreSQL) 15.99"\n', { mode: 0o755 });
  }
  return dir;
}

describe("postgresAvailability", () => {
  it.each(["true", "1"])("fails the run in CI (CI=%s) when PostgreSQL is missing, instead of skipping", async (ci) => {
    await expect(postgresAvailability({ CI: ci }, postgresMissing)).rejects.toMatchObject({ code: "ERR_POSTGRES_MISSING" });
  });

  it.each([undefined, "false"])("reports the suites as not run outside CI (CI=%s), naming why", async (ci) => {
    expect(await postgresAvailability(ci === undefined ? {} : { CI: ci }, postgresMissing)).toEqual({ available: false, reason: "PostgreSQL server binaries are needed" });
  });

  it("fails outside CI too when installing failed", async () => {
    const broken = () => Promise.reject(new PostgresSetupError("ERR_POSTGRES_INSTALL_FAILED", "apt-get install postgresql failed: E: Unable to locate package"));
    await expect(postgresAvailability({}, broken)).rejects.toMatchObject({ code: "ERR_POSTGRES_INSTALL_FAILED" });
  });
});

describe("ensurePostgresBinaries", () => {
  it("names what is missing and how to install it where it may not install", async () => {
    await expect(ensurePostgresBinaries({ env: { POSTGRES_BIN: NOWHERE }, install: null })).rejects.toMatchObject({
      code: "ERR_POSTGRES_MISSING",
      message: expect.stringContaining(`${NOWHERE}: no initdb, pg_ctl, psql`),
    });
  });

  it("installs when the binaries are missing, then uses them", async () => {
    const env: NodeJS.ProcessEnv = { POSTGRES_BIN: NOWHERE };
    const installs: string[] = [];
    const binaries = await ensurePostgresBinaries({
      env,
      install: async () => {
        installs.push("install");
        // What apt-get does for this lookup: the binaries appear where it looks.
        env.POSTGRES_BIN = await fakeBinDir();
      },
    });
    expect(installs).toEqual(["install"]);
    expect(binaries).toEqual({ binDir: env.POSTGRES_BIN, version: "15.99" });
    expect(await findPostgresBinaries(env)).toEqual({ binaries });
  });

  it("fails with ERR_POSTGRES_INSTALL_FAILED when an install leaves no binaries", async () => {
    await expect(ensurePostgresBinaries({ env: { POSTGRES_BIN: NOWHERE }, install: async () => undefined })).rejects.toMatchObject({
      code: "ERR_POSTGRES_INSTALL_FAILED",
    });
  });
});
