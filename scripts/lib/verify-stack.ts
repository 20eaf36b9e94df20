/**
 * `npm run verify -- --stack <name>`: the servers to check come from the
 * stack's outputs, read with the Pulumi CLI (`pulumi stack output --json`).
 * Secret outputs stay encrypted (no `--show-secrets`): verify needs none.
 */
import { execFile } from "node:child_process";
import { parseTarget, type VerifyTarget } from "./verify-target.ts";

/** Runs a command and returns stdout; injected so the CLI-missing path is testable without PATH games. */
export type RunCommand = (file: string, args: readonly string[]) => Promise<string>;

export class PulumiCliMissingError extends Error {
  readonly code = "ERR_PULUMI_CLI_MISSING";
  constructor() {
    super(
      "--stack needs the Pulumi CLI, which is not on PATH. Install it (https://www.pulumi.com/docs/iac/download-install/) " +
        "and log in to the stack's backend, or pass the MCP URL directly: npm run verify -- https://mcp.example.com/mcp",
    );
    this.name = "PulumiCliMissingError";
  }
}

export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") return reject(new PulumiCliMissingError());
      if (err) return reject(new Error(`${file} ${args.join(" ")} failed: ${stderr.trim() || err.message}`, { cause: err }));
      resolve(stdout);
    });
  });

export async function readStackOutputs(stack: string, run: RunCommand = runCommand): Promise<Record<string, unknown>> {
  const stdout = await run("pulumi", ["stack", "output", "--json", "--stack", stack]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`pulumi stack output --json --stack ${stack} did not print JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`stack ${stack} outputs are not an object`);
  return parsed as Record<string, unknown>;
}

/** Pulumi prints secret outputs as this placeholder without `--show-secrets`. */
const SECRET_PLACEHOLDER = "[secret]";

/**
 * Turns stack outputs into targets. Reads the `servers` output (one entry per
 * MCP server, keyed by server name, as `infra/program.ts` exports it): `url`
 * is the server's public URL and RFC 9728 resource (its audience), so the
 * live metadata must name exactly it; a bare origin is checked at `/mcp`.
 * `mcpUrl`, `audience` and `issuer` are honoured when present.
 */
export interface StackTargetOptions {
  /**
   * Check only this rollout wave: the servers whose `wave` output is it, and
   * with wave 0 the servers without `rollout:` too (they deploy at once in
   * every run, so the first wave's run is the one that carried their change).
   * @default every server
   */
  readonly wave?: number;
}

export function targetsFromOutputs(stack: string, outputs: Record<string, unknown>, options: StackTargetOptions = {}): VerifyTarget[] {
  const servers = outputs.servers;
  const entries: [string, unknown][] = Array.isArray(servers)
    ? servers.map((s, i) => [str((s as Record<string, unknown>)?.name) ?? String(i), s])
    : typeof servers === "object" && servers !== null
      ? Object.entries(servers)
      : [];
  if (entries.length === 0) {
    throw new Error(`stack ${stack} has no "servers" output; deploy it first (pulumi up --stack ${stack}) or pass the MCP URL directly`);
  }
  const many = entries.length > 1;
  return inWave(stack, entries, options.wave).map(([name, value]) => {
    const server = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const url = str(server.mcpUrl) ?? str(server.url);
    if (!url) throw new Error(`stack ${stack} output servers.${name} has no "url"`);
    // A rollout server exports the version this deploy uploaded: check that one, not the stable version.
    const script = str(server.scriptName);
    const versionId = str(server.versionId);
    return parseTarget(url, {
      label: many ? name : "",
      expectedResource: str(server.audience) ?? str(server.resource) ?? str(server.url),
      expectedIssuer: str(server.issuer),
      ...(Array.isArray(server.scopes) && server.scopes.every((s): s is string => typeof s === "string") ? { expectedScopes: server.scopes } : {}),
      ...(script && versionId ? { workerVersion: { script, versionId } } : {}),
    });
  });
}

/** The entries of one wave (each rollout server of a stack with waves exports its `wave`). */
function inWave(stack: string, entries: [string, unknown][], wave: number | undefined): [string, unknown][] {
  if (wave === undefined) return entries;
  const field = (value: unknown, key: string): unknown => (typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined);
  const waveOf = (value: unknown): number | undefined => {
    const raw = field(value, "wave");
    return typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : undefined;
  };
  const waves = [...new Set(entries.map(([, value]) => waveOf(value)).filter((w): w is number => w !== undefined))].sort((a, b) => a - b);
  if (waves.length === 0) {
    throw new Error(`stack ${stack} exports no rollout waves (no server has a "wave" output): its servers ramp together, so drop --wave`);
  }
  const selected = entries.filter(([, value]) => {
    const own = waveOf(value);
    return own === wave || (wave === 0 && own === undefined && str(field(value, "versionId")) === undefined);
  });
  if (!waves.includes(wave)) throw new Error(`stack ${stack} has no server in wave ${wave}: its waves are ${waves.join(", ")}`);
  return selected;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value !== SECRET_PLACEHOLDER ? value : undefined;
}
