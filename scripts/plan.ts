/**
 * `npm run plan -- --stack <name> [--json] [--current-migration-tag <tag>] [--previous-outputs <file>]`
 *
 * Prints every resource the stack would create, offline (Pulumi mocks, no
 * CLI, credentials or network). Secrets print as "[secret]"; encrypted
 * `secure:` values need no secrets provider. Exit codes: 0 plan printed,
 * 1 invalid stack config or program error, 2 bad usage.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { StackConfigError } from "../infra/config.ts";
import { loadStackFileConfig, StackFileError } from "../infra/config-source.ts";
import { MigrationLedgerError } from "../infra/migrations.ts";
import { formatConfigWarnings, formatPlan, renderFleet } from "./lib/offline-plan.ts";

const USAGE = `Usage: npm run plan -- --stack <name> [--json] [--current-migration-tag <tag>] [--previous-outputs <file>]

  --stack <name>                    Stack to render (reads Pulumi.<name>.yaml)
  --json                            Print one JSON document { stack, resources: [{ type, name, parent, inputs, protect? }] }
  --current-migration-tag <tag>     Plan Durable Object migrations against this deployed tag (default: a fresh account)
  --config-dir <dir>                Directory holding Pulumi.<name>.yaml (default: the repository root)
  --previous-outputs <file>         The stack's outputs from its last deploy (pulumi stack output --json > <file>):
                                    servers and created resources gone since get the preview's removal warnings
                                    (default: none, as on a first deploy)
  -h, --help                        Show this help`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      stack: { type: "string" },
      json: { type: "boolean" },
      "current-migration-tag": { type: "string" },
      "config-dir": { type: "string" },
      "previous-outputs": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return void console.log(USAGE);
  if (!values.stack) throw new UsageError("--stack is required: name the stack to render, e.g. --stack staging (reads Pulumi.staging.yaml)");
  const tag = values["current-migration-tag"];
  const dir = values["config-dir"];
  const config = await loadStackFileConfig(values.stack, dir === undefined ? {} : { dir: resolve(dir) });
  // Warnings go to stderr so --json stays one document; the fork-PR job captures both.
  for (const warning of formatConfigWarnings(config.warnings ?? [])) console.error(warning);
  const previous = values["previous-outputs"];
  const { plan, notes } = await renderFleet(config, {
    ...(tag === undefined ? {} : { currentMigrationTag: tag }),
    ...(previous === undefined ? {} : { previousOutputs: await readPreviousOutputs(previous) }),
  });
  // What `pulumi preview` prints beside the diff (renames, rollouts, migration uploads); stderr keeps --json one document.
  for (const note of notes) console.error(`note: ${note}`);
  await writeStdout(`${values.json ? JSON.stringify(plan, null, 2) : formatPlan(plan)}\n`);
}

/** `pulumi stack output --json`: one JSON object of the stack's outputs. */
async function readPreviousOutputs(file: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(resolve(file), "utf8"));
  } catch (err) {
    throw new UsageError(`--previous-outputs ${file}: ${err instanceof Error ? err.message : String(err)}; write it with \`pulumi stack output --json --stack <name> > ${file}\``);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--previous-outputs ${file} must hold one JSON object, as \`pulumi stack output --json\` prints it`);
  }
  return parsed as Record<string, unknown>;
}

/** A pipe takes large output asynchronously; exiting before it drains would cut a big fleet's plan short. */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolveWrite, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolveWrite())));
}

main(process.argv.slice(2)).then(
  // Pulumi's runtime keeps handles open; the plan is complete here.
  () => process.exit(0),
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    const known = err instanceof StackConfigError || err instanceof StackFileError || err instanceof MigrationLedgerError;
    console.error(`npm run plan: ${err instanceof Error ? (known || usage ? err.message : (err.stack ?? err.message)) : String(err)}`);
    if (usage) console.error(`\n${USAGE}`);
    process.exit(usage ? 2 : 1);
  },
);
