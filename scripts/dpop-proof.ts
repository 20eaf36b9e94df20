/**
 * Prints a fresh DPoP proof (RFC 9449 §4.2) for the development session
 * `npm start` wrote: the key and token in `<state dir>/dpop-session.json`.
 * Each proof is accepted once, so call it once per request:
 *
 *   curl … -H "Authorization: DPoP $MCP_DPOP_TOKEN" -H "DPoP: $(npx tsx scripts/dpop-proof.ts)"
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../infra/worker-bundle.ts";
import { devDpopProof, loadDevDpopSession } from "./lib/dev-token.ts";

const USAGE = `Usage: npx tsx scripts/dpop-proof.ts [options]

  --state-dir <dir>   npm start's state directory (default .dev-state)
  --method <name>     HTTP method the proof is for (default POST)
  -h, --help          Show this help`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { "state-dir": { type: "string" }, method: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void console.log(USAGE);
  const session = await loadDevDpopSession(resolve(REPO_ROOT, values["state-dir"] ?? ".dev-state"));
  console.log(await devDpopProof(session, values.method ?? "POST"));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`dpop-proof: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  process.exit(2);
});
