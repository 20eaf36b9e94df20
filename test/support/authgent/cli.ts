/**
 * Runs authgent-server's own commands from the test venv against a database,
 * with the same settings a replica gets, in a scratch working directory
 * (config.py reads `.env` from the cwd, and `init` writes one there).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inheritedEnv } from "../../../scripts/lib/authgent/process.ts";
import { runCommand, type CommandResult } from "../../../scripts/lib/run-command.ts";
import type { AuthgentVenv } from "../../../scripts/lib/authgent/venv.ts";
import { TEST_SECRET_KEY } from "./server.ts";

/** The settings every replica of a test deployment shares, for `databaseUrl`. */
export function replicaEnv(databaseUrl: string, serverUrl = "http://127.0.0.1:1"): Record<string, string> {
  return { ...inheritedEnv(), AUTHGENT_SECRET_KEY: TEST_SECRET_KEY, AUTHGENT_DATABASE_URL: databaseUrl, AUTHGENT_SERVER_URL: serverUrl };
}

/** `<venv>/bin/<program> ...args`, never throwing for a non-zero exit. */
export async function runInVenv(venv: AuthgentVenv, program: "authgent-server" | "python", args: readonly string[], env: Readonly<Record<string, string>>): Promise<CommandResult> {
  const cwd = await mkdtemp(join(tmpdir(), "authgent-cli-"));
  const file = program === "python" ? venv.python : venv.cli;
  try {
    return await runCommand(file, args, { cwd, env: { ...env }, timeout: 60_000 });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/**
 * Creates the server's tables and nothing else: what app.py `lifespan` does
 * first (`Base.metadata.create_all`), without the signing key it creates next.
 */
export async function createAuthgentTables(venv: AuthgentVenv, databaseUrl: string): Promise<void> {
  const program = [
    "import asyncio, os",
    "from sqlalchemy.ext.asyncio import create_async_engine",
    "from authgent_server.models import Base",
    "async def main():",
    "    engine = create_async_engine(os.environ['AUTHGENT_DATABASE_URL'])",
    "    async with engine.begin() as conn:",
    "        await conn.run_sync(Base.metadata.create_all)",
    "    await engine.dispose()",
    "asyncio.run(main())",
  ].join("\n");
  const result = await runInVenv(venv, "python", ["-c", program], replicaEnv(databaseUrl));
  if (result.code !== 0) throw new Error(`creating the tables failed (${result.code}): ${result.stderr.slice(-2000)}`);
}
