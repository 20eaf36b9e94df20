/**
 * npm run ramp -- --stack <name> [--policy-pack <dir>] [--policy-pack-config <file>]
 *
 * Deploys a stack wave by wave, as the deploy workflow does: for each rollout
 * wave of `Pulumi.<stack>.yaml` (or once for a stack without waves),
 * `pulumi up` in the canary stage, `npm run verify`, then promote; a failed
 * verify rolls that wave back and stops. Exits 0 when every wave is promoted,
 * 1 when a step failed, 2 on bad usage. Needs the Pulumi CLI, logged in.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { loadStackFileConfig } from "../infra/config-source.ts";
import { childEnv, pulumiUpArgs, runRamp, verifyArgs, type PolicyOptions } from "./lib/ramp.ts";

const USAGE = `Usage: npm run ramp -- --stack <name> [--policy-pack <dir>] [--policy-pack-config <file>]

  --stack <name>                The stack to deploy; its waves come from Pulumi.<name>.yaml
  --policy-pack <dir>           Run pulumi up with this policy pack (the workflow: dist/policy)
  --policy-pack-config <file>   The pack's config (the workflow: infra/policy/config/<name>.json)
  -h, --help                    Show this help

Per wave (or once, for a stack without waves): pulumi up with rolloutStage canary,
npm run verify -- --stack <name> [--wave <n>], then rolloutStage promote; a failed
verify runs rolloutStage rollback for that wave and stops.

Exit codes: 0 every wave promoted, 1 a step failed, 2 bad usage.`;

class UsageError extends Error {}

/** Runs a command with the terminal's output; resolves whether it exited 0. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: "inherit", env });
    child.on("error", (err) => reject((err as NodeJS.ErrnoException).code === "ENOENT" ? new Error(`${file} is not on PATH (the ramp runs pulumi and npm)`, { cause: err }) : err));
    child.on("exit", (code) => resolve(code === 0));
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stack: { type: "string" },
      "policy-pack": { type: "string" },
      "policy-pack-config": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const stack = values.stack;
  if (!stack) throw new UsageError("--stack <name> is required");
  const config = await loadStackFileConfig(stack);
  const policy: PolicyOptions = { ...(values["policy-pack"] ? { policyPack: values["policy-pack"] } : {}), ...(values["policy-pack-config"] ? { policyPackConfig: values["policy-pack-config"] } : {}) };
  const result = await runRamp(stack, config.rolloutWaveCount ?? 0, {
    up: (stage, wave) => run("pulumi", pulumiUpArgs(stack, stage, wave, policy), childEnv(process.env, "pulumi")),
    verify: (wave) => run("npm", verifyArgs(stack, wave), childEnv(process.env, "verify")),
    log: (line) => console.log(line),
  });
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
    console.error(`npm run ramp: ${err instanceof Error ? err.message : String(err)}`);
    if (usage) console.error(`\n${USAGE}`);
    process.exit(usage ? 2 : 1);
  },
);
