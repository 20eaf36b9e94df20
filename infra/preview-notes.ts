/**
 * What `pulumi preview` / `up` prints beside the diff, so a change that looks
 * surprising is explained where it shows up. One line per kind of note (a
 * 500-server fleet gets one line, not 500).
 */
import { MCP_AGENT } from "../worker/bindings.ts";
import type { FleetConfig } from "./config.ts";
import type { ScriptMigrations } from "./migrations.ts";
import { DEFAULT_ROLLOUT_STAGE, type RolloutPlans } from "./rollout.ts";
import { DEFAULT_ROLLOUT_WAVE } from "./rollout-waves.ts";

/** Names listed in one note before "and N more". */
const LISTED = 5;

export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).join(", ");
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}

/**
 * Durable Object migrations: the upload that applies them, and the upload
 * after it. The provider keeps the last `migrations` input in state, so once
 * a script is at the ledger's last tag the program stops sending steps and
 * the next preview shows `migrations` removed: one more upload of the same
 * code (the Terraform-bridged WorkersScript re-sends its inputs on update,
 * pulumi-cloudflare#1215), harmless.
 */
export function migrationNotes(
  scriptNames: readonly string[],
  deployedTags: ReadonlyMap<string, string | undefined>,
  pending: ReadonlyMap<string, ScriptMigrations | undefined>,
): string[] {
  const notes: string[] = [];
  const migrating = scriptNames.filter((name) => pending.get(name) !== undefined);
  const settled = scriptNames.filter((name) => pending.get(name) === undefined && deployedTags.get(name) !== undefined);
  if (migrating.length > 0) {
    const to = pending.get(migrating[0] ?? "")?.newTag;
    notes.push(
      `Durable Object migrations up to tag ${String(to)} apply with this deploy to ${listNames(migrating)}. ` +
        "The next preview shows one more update of these scripts, which drops the applied steps from `migrations`: it re-uploads the same code and changes nothing else.",
    );
  }
  if (settled.length > 0) {
    notes.push(
      `${listNames(settled)} ${settled.length === 1 ? "is" : "are"} already at Durable Object migration tag ${String(deployedTags.get(settled[0] ?? ""))}: ` +
        "if the last `pulumi up` applied migrations, the update shown for their script only removes the applied steps from `migrations` and re-uploads the same code (harmless).",
    );
  }
  return notes;
}

/** Renamed servers keep their Worker script (and its Durable Object data) under the oldest name. */
export function renameNotes(servers: readonly { readonly name: string; readonly scriptName: string; readonly previousNames: readonly string[] }[]): string[] {
  return servers
    .filter((server) => server.previousNames.length > 0)
    .map(
      (server) =>
        `server ${server.name} was renamed from ${server.previousNames.join(" → ")}: its resources are aliased to the old names and it keeps the Worker script ${server.scriptName}, ` +
        "so its Durable Object data stays (a rename never replaces the script).",
    );
}

/**
 * Servers in `retiredServers`: this run drops `protect` from their Worker
 * script, so the data goes with the next run that removes them (or replaces
 * the script). One line per server: each is a deliberate, named decision.
 */
export function retirementNotes(servers: readonly { readonly name: string; readonly scriptName: string }[], retired: readonly string[]): string[] {
  return servers
    .filter((server) => retired.includes(server.name))
    .map(
      (server) =>
        `server ${server.name} is marked for deletion (retiredServers): its Worker script ${server.scriptName} is no longer protected, so removing the server from servers: ` +
        `(or a change that replaces the script) deletes the script and its Durable Object namespace ${MCP_AGENT.className}, with every user's data in it. ` +
        `To keep the data, remove ${server.name} from retiredServers (the next \`pulumi up\` protects the script again), or export the data before removing the server.`,
    );
}

/**
 * A stack with rollout waves: which wave this run moves and what every other
 * server does, in one line per group (wave by wave, the moving servers get
 * their own rollout note).
 */
export function waveNotes(config: FleetConfig, plans: RolloutPlans): string[] {
  const count = config.rolloutWaveCount ?? 0;
  if (count === 0) return [];
  const current = config.rolloutWave ?? DEFAULT_ROLLOUT_WAVE;
  const rolling = config.servers.filter((server) => server.rollout !== undefined);
  const moving = rolling.filter((server) => server.rollout?.wave === current).map((server) => server.name);
  const held = (from: number, to: number) =>
    rolling.filter((server) => {
      const wave = server.rollout?.wave ?? -1;
      return wave >= from && wave <= to && plans.get(server.scriptName)?.plan.kind === "hold";
    });
  const range = (from: number, to: number) => (from === to ? `wave ${from}` : `waves ${from}–${to}`);
  const servers = (n: number) => `${n} server${n === 1 ? "" : "s"}`;
  const notes = [`rollout wave ${current} of waves 0–${count - 1} moves this run (rolloutStage ${config.rolloutStage ?? DEFAULT_ROLLOUT_STAGE}): ${listNames(moving)}.`];
  const unchanged = "every script, version and deployment stays as deployed (no change in this preview).";
  const earlier = held(0, current - 1);
  if (earlier.length > 0) notes.push(`not moving this run: ${range(0, current - 1)} (${servers(earlier.length)}: ${listNames(earlier.map((s) => s.name))}): ${unchanged}`);
  const later = held(current + 1, count - 1);
  if (later.length > 0) {
    notes.push(
      `not moving until their wave runs (pulumi up -c authgent-edge:rolloutWave=N): ${range(current + 1, count - 1)} (${servers(later.length)}: ${listNames(later.map((s) => s.name))}): ${unchanged}`,
    );
  }
  const atOnce = config.servers.filter((server) => server.rollout === undefined).map((server) => server.name);
  if (atOnce.length > 0) {
    notes.push(`${listNames(atOnce)} ${atOnce.length === 1 ? "has" : "have"} no rollout: and ${atOnce.length === 1 ? "deploys" : "deploy"} at once in every run, whatever the wave (the first wave's run carries their change).`);
  }
  return notes;
}
