/**
 * npm run verify -- <mcp-url> [--token <jwt>] [--resource <url>] [--timeout <ms>]
 * npm run verify -- --stack <name> [--token <jwt>]
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
import { DEFAULT_TIMEOUT_MS } from "./lib/verify-http.ts";

const USAGE = `usage: npm run verify -- <mcp-url> [--token <jwt>] [--resource <url>] [--timeout <ms>]
       npm run verify -- --stack <name> [--token <jwt>] [--timeout <ms>]`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      token: { type: "string" },
      stack: { type: "string" },
      resource: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if ((positionals.length === 1) === Boolean(values.stack)) {
    console.error(`${USAGE}\n\nGive either an MCP URL or --stack, not both.`);
    return 2;
  }
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    console.error(`--timeout must be a positive number of milliseconds, got "${values.timeout}"`);
    return 2;
  }
  let targets: VerifyTarget[];
  if (values.stack) {
    targets = targetsFromOutputs(values.stack, await readStackOutputs(values.stack));
  } else {
    targets = [parseTarget(positionals[0] ?? "", { expectedResource: values.resource })];
  }
  const token = values.token ?? (process.env.MCP_VERIFY_TOKEN || undefined);
  for (const t of targets) console.log(`verifying ${t.mcpUrl.href}${t.label ? ` (${t.label})` : ""}`);
  const results = await verifyTargets(targets, { fetch, timeoutMs, token });
  console.log(`\n${formatTable(results)}`);
  return exitCodeOf(results);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`verify: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
