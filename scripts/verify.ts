/**
 * npm run verify -- <mcp-url> [--token <jwt>] [--resource <url>] [--worker-version <script>=<id>] [--timeout <ms>]
 * npm run verify -- --stack <name> [--wave <n>] [--token <jwt>]
 *
 * Checks a deployed MCP server the way an MCP client meets it (RFC 9728
 * metadata at both paths, the issuer's RFC 8414 metadata and JWKS, the 401
 * challenge, and with a token the MCP handshake), prints a pass/fail table,
 * and exits 1 if any check failed, 2 on bad usage.
 *
 * The token may also come from MCP_VERIFY_TOKEN (preferred in CI: it keeps the
 * token out of the process list). It is never printed.
 */
import { parseArgs } from "node:util";
import { exitCodeOf, formatTable } from "./lib/verify-report.ts";
import { verifyTargets } from "./lib/verify-run.ts";
import { readStackOutputs, targetsFromOutputs } from "./lib/verify-stack.ts";
import { parseTarget, type VerifyTarget } from "./lib/verify-target.ts";
import { parseWorkerVersion, versionOverrideValue } from "./lib/verify-version.ts";
import { DEFAULT_TIMEOUT_MS } from "./lib/verify-http.ts";

const USAGE = `Usage: npm run verify -- <mcp-url> [--token <jwt>] [--resource <url>] [--worker-version <script>=<id>] [--timeout <ms>]
       npm run verify -- --stack <name> [--wave <n>] [--token <jwt>] [--timeout <ms>]

  <mcp-url>           The deployment's MCP endpoint, e.g. https://mcp.yourcompany.com/mcp
  --stack <name>      Check every server in the stack's outputs (needs the Pulumi CLI, logged in)
  --wave <n>          With --stack: check only rollout wave n's servers (wave 0 also checks the
                      servers without rollout:, which deploy at once with the first wave's run)
  --token <jwt>       Access token for the MCP handshake rows (or MCP_VERIFY_TOKEN); never printed
  --resource <url>    The audience the metadata's \`resource\` must equal (with <mcp-url>)
  --worker-version <script>=<id>
                      Check that Worker version during a gradual rollout (with <mcp-url>;
                      --stack pins each rollout server's new version by itself)
  --timeout <ms>      Timeout of each request (default ${DEFAULT_TIMEOUT_MS})
  -h, --help          Show this help

Exit codes: 0 nothing failed, 1 a check failed, 2 bad usage.`;

class UsageError extends Error {}

/** Says what was given, so the user sees which half of the usage they hit. */
function targetProblem(positionals: readonly string[], stack: string | undefined, resource: string | undefined, workerVersion?: string): string | undefined {
  if (positionals.length === 0 && stack === undefined) return "nothing to check: give the MCP URL of a deployment, or --stack <name>";
  if (positionals.length > 0 && stack !== undefined) return `got both an MCP URL (${positionals[0]}) and --stack ${stack}: give one of them`;
  if (positionals.length > 1) return `expected one MCP URL, got ${positionals.length}: ${positionals.join(" ")}`;
  if (stack !== undefined && resource !== undefined) return "--resource goes with an MCP URL; with --stack each server's audience comes from the stack's outputs";
  if (stack !== undefined && workerVersion !== undefined) return "--worker-version goes with an MCP URL; with --stack each rollout server's new version comes from the stack's outputs";
  return undefined;
}

/** `--wave <n>`: a rollout wave number, only with --stack (the waves come from the stack's outputs). */
function parseWave(raw: string | undefined, stack: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (stack === undefined) throw new UsageError("--wave goes with --stack: the servers' waves come from the stack's outputs");
  if (!/^\d+$/.test(raw)) throw new UsageError(`--wave must be a wave number (0, 1, …), got "${raw}"`);
  return Number(raw);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      token: { type: "string" },
      stack: { type: "string" },
      resource: { type: "string" },
      "worker-version": { type: "string" },
      wave: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const problem = targetProblem(positionals, values.stack, values.resource, values["worker-version"]);
  if (problem !== undefined) throw new UsageError(problem);
  const wave = parseWave(values.wave, values.stack);
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new UsageError(`--timeout must be a positive number of milliseconds, got "${values.timeout}"`);
  }
  let targets: VerifyTarget[];
  if (values.stack) {
    targets = targetsFromOutputs(values.stack, await readStackOutputs(values.stack), wave === undefined ? {} : { wave });
  } else {
    const pin = values["worker-version"];
    targets = [parseTarget(positionals[0] ?? "", { expectedResource: values.resource, ...(pin === undefined ? {} : { workerVersion: parseWorkerVersion(pin) }) })];
  }
  const token = values.token ?? (process.env.MCP_VERIFY_TOKEN || undefined);
  for (const t of targets) {
    console.log(`verifying ${t.mcpUrl.href}${t.label ? ` (${t.label})` : ""}${t.workerVersion ? `, pinned to version ${versionOverrideValue(t.workerVersion)}` : ""}`);
  }
  const results = await verifyTargets(targets, { fetch, timeoutMs, token });
  console.log(`\n${formatTable(results)}`);
  return exitCodeOf(results);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
    console.error(`npm run verify: ${err instanceof Error ? err.message : String(err)}`);
    if (usage) console.error(`\n${USAGE}`);
    process.exit(2);
  },
);
