/**
 * npm run wrangler-config -- --stack <name> [--server <name>] [--out wrangler.jsonc]
 *
 * Writes a wrangler.jsonc equivalent to one server of a stack (same name,
 * vars, Durable Object bindings and migrations, rate limiter, compatibility
 * settings, routes / custom domain, and the bindings its manifest declares as
 * the stack supplies them: KV, D1 with its migrations_dir, R2, queues,
 * services, Hyperdrive, AI, Analytics Engine), so `wrangler tail` and
 * `wrangler dev` work against what Pulumi deployed. Reads Pulumi.<stack>.yaml
 * offline and evaluates the server's code for its manifest; secret values are
 * never read or written. Exit codes: 0 written, 1 invalid stack config, 2 bad usage.
 */
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadStackFileConfig } from "../infra/config-source.ts";
import { offlineBindings } from "../infra/local-run.ts";
import { describeServerSource } from "../infra/server-description.ts";
import { createdResourcesOf, renderWranglerJsonc, secretNamesOf, selectServer, wranglerConfigFor } from "./lib/wrangler-config.ts";

const USAGE = `Usage: npm run wrangler-config -- --stack <name> [--server <name>] [--out <file>]

  --stack <name>    Stack to read (Pulumi.<name>.yaml)
  --server <name>   Which server of the stack (required when it has several)
  --out <file>      Where to write (default: wrangler.jsonc; "-" prints to stdout)
  -h, --help        Show this help`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { stack: { type: "string" }, server: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void console.log(USAGE);
  if (!values.stack) throw new UsageError("--stack is required: name the stack to read, e.g. --stack production (reads Pulumi.production.yaml)");
  const fleet = await loadStackFileConfig(values.stack);
  const server = selectServer(fleet, values.server);
  // The manifest comes from the code itself; its bindings are resolved as the preview resolves them.
  const { manifest } = (await describeServerSource(server.source)).description;
  const code = { manifest, bindings: offlineBindings(fleet, server, manifest) };
  const out = values.out ?? "wrangler.jsonc";
  const configDir = out === "-" ? process.cwd() : dirname(resolve(out));
  const text = renderWranglerJsonc(wranglerConfigFor(fleet, server, { configDir, code }), fleet.stack, secretNamesOf(server, manifest), createdResourcesOf(code));
  if (out === "-") return void process.stdout.write(text);
  await writeFile(resolve(out), text);
  console.log(`wrote ${out} for ${server.name} (stack ${fleet.stack}); try: npx wrangler tail --config ${out}`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    console.error(`npm run wrangler-config: ${err instanceof Error ? err.message : String(err)}`);
    if (usage) console.error(`\n${USAGE}`);
    process.exit(usage ? 2 : 1);
  },
);
