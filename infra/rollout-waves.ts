/**
 * Rollout waves: which wave each `rollout:` server ramps in, from
 * `servers[i].rollout.wave` and the stack's `rolloutWaves` (names and
 * `*` patterns), so a fleet of hundreds lists its canary servers and a few
 * groups, and everything else ramps last.
 *
 * Placement, strongest first: an exact placement (`rollout.wave`, or the
 * server's name in `rolloutWaves[k]`), then a pattern, then the last wave
 * (one after every numbered wave). Servers without `rollout:` are in no wave:
 * they deploy at once in every `pulumi up`, as they do without waves.
 */
import type { ConfigIssue } from "./config.ts";

/** @default wave of a run (`rolloutWave`) when the stack has waves: the canary servers. */
export const DEFAULT_ROLLOUT_WAVE = 0;

/** What `assignWaves` needs of a server. */
export interface WaveCandidate {
  readonly name: string;
  readonly previousNames: readonly string[];
  readonly rollout?: { readonly wave?: number | undefined };
}

export interface WaveAssignment {
  /** Number of waves; 0 when the stack has none (every `rollout:` server moves in every run). */
  readonly count: number;
  /** Wave of each `rollout:` server, by server name (empty without waves). */
  readonly waveOf: ReadonlyMap<string, number>;
  readonly issues: readonly ConfigIssue[];
}

interface Placement {
  readonly wave: number;
  /** The key that placed it, for messages: `rolloutWaves[1][0]`, `servers[3].rollout.wave`. */
  readonly at: string;
  /** The pattern, when a pattern placed it. */
  readonly pattern?: string;
}

/** `team-a-*` → /^team-a-.*$/ (only `*` is special; the schema admits no other regex character). */
export function wavePattern(entry: string): RegExp {
  return new RegExp(`^${entry.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

export function assignWaves(servers: readonly WaveCandidate[], rolloutWaves: readonly (readonly string[])[] | undefined, rolloutWave: number | undefined): WaveAssignment {
  const issues: ConfigIssue[] = [];
  const waves = rolloutWaves ?? [];
  const at = new Map(servers.map((server, index) => [server.name, `servers[${index}]`]));
  const rolling = servers.filter((server) => server.rollout !== undefined);
  const exact = new Map<string, Placement[]>();
  const patterned = new Map<string, Placement[]>();
  const place = (into: Map<string, Placement[]>, name: string, placement: Placement) => into.set(name, [...(into.get(name) ?? []), placement]);

  servers.forEach((server, index) => {
    const wave = server.rollout?.wave;
    if (wave !== undefined) place(exact, server.name, { wave, at: `servers[${index}].rollout.wave` });
  });
  waves.forEach((entries, k) =>
    entries.forEach((entry, j) => {
      const path = `rolloutWaves[${k}][${j}]`;
      if (!entry.includes("*")) {
        const issue = exactEntryIssue(entry, servers, at);
        if (issue) return void issues.push({ path, message: issue });
        return void place(exact, entry, { wave: k, at: path });
      }
      const regex = wavePattern(entry);
      const matched = servers.filter((server) => regex.test(server.name));
      const matchedRolling = matched.filter((server) => server.rollout !== undefined);
      if (matched.length === 0) {
        issues.push({ path, message: `matches no server ("${entry}"): fix the pattern or remove it` });
      } else if (matchedRolling.length === 0) {
        issues.push({
          path,
          message:
            `matches only servers without rollout: (${matched.map((s) => s.name).join(", ")}), which deploy at once in every run and cannot wait for a wave: ` +
            "add rollout: { share: N } to them (share 100 deploys at once when the wave runs and can still be rolled back), or remove the pattern",
        });
      }
      for (const server of matchedRolling) place(patterned, server.name, { wave: k, at: path, pattern: entry });
    }),
  );

  const waveOf = new Map<string, number>();
  const rest: string[] = [];
  for (const server of rolling) {
    const explicit = distinctWaves(exact.get(server.name) ?? []);
    const patterns = distinctWaves(patterned.get(server.name) ?? []);
    if (explicit.length > 1) {
      const [first, second] = explicit;
      issues.push({
        path: second?.at ?? "rolloutWaves",
        message: `puts ${server.name} in wave ${second?.wave}, but ${first?.at} puts it in wave ${first?.wave}: a server ramps in one wave, remove one of them`,
      });
    } else if (explicit[0]) {
      waveOf.set(server.name, explicit[0].wave);
    } else if (patterns.length > 1) {
      issues.push({
        path: patterns[1]?.at ?? "rolloutWaves",
        message:
          `("${patterns[1]?.pattern}", wave ${patterns[1]?.wave}) and ${patterns[0]?.at} ("${patterns[0]?.pattern}", wave ${patterns[0]?.wave}) both match ${server.name}: ` +
          `a server ramps in one wave, so name it in the wave it belongs to (rolloutWaves[k]: [${server.name}] or ${at.get(server.name)}.rollout.wave; an exact name wins over patterns)`,
      });
    } else if (patterns[0]) {
      waveOf.set(server.name, patterns[0].wave);
    } else {
      rest.push(server.name);
    }
  }

  const numbered = Math.max(waves.length, ...[...exact.values()].flat().map((p) => p.wave + 1));
  if (numbered === 0) {
    if (rolloutWave !== undefined) {
      issues.push({ path: "rolloutWave", message: "is set, but the stack has no waves: remove it, or give servers a wave (servers[i].rollout.wave or rolloutWaves)" });
    }
    return { count: 0, waveOf: new Map(), issues };
  }
  for (const name of rest) waveOf.set(name, numbered);
  const count = numbered + (rest.length > 0 ? 1 : 0);
  issues.push(...gapIssues(numbered, waves, waveOf, exact, issues));
  if (rolloutWave !== undefined && rolloutWave >= count) {
    issues.push({ path: "rolloutWave", message: `must be from 0 to ${count - 1}: the stack has ${count} wave${count === 1 ? "" : "s"}` });
  }
  return { count, waveOf, issues };
}

/** Why an exact `rolloutWaves` entry cannot place a server, or undefined when it can. */
function exactEntryIssue(entry: string, servers: readonly WaveCandidate[], at: ReadonlyMap<string, string>): string | undefined {
  const server = servers.find((s) => s.name === entry);
  if (server === undefined) {
    const renamed = servers.find((s) => s.previousNames.includes(entry));
    return renamed ? `is an earlier name of server ${renamed.name}: write ${renamed.name}` : `names no server ("${entry}"): check the spelling, or use a pattern with *`;
  }
  if (server.rollout === undefined) {
    return (
      `names ${entry}, which has no rollout: and so deploys at once in every run (it cannot wait for its wave, nor be rolled back): ` +
      `add rollout: { share: N } to ${at.get(entry)} (share 100 deploys it at once when its wave runs), or remove it from the wave`
    );
  }
  return undefined;
}

/** The first placement into each wave (the same wave twice is no conflict). */
function distinctWaves(placements: readonly Placement[]): Placement[] {
  return placements.filter((p, i) => placements.findIndex((q) => q.wave === p.wave) === i);
}

/**
 * A numbered wave nobody is in would make the deploy workflow run a cycle
 * that moves nothing: a listed wave whose servers are all placed elsewhere
 * (an exact placement wins over its pattern), or a `rollout.wave` past the
 * list's end. A listed wave whose entries were refused is already reported.
 */
function gapIssues(
  numbered: number,
  waves: readonly (readonly string[])[],
  waveOf: ReadonlyMap<string, number>,
  exact: ReadonlyMap<string, Placement[]>,
  reported: readonly ConfigIssue[],
): ConfigIssue[] {
  const used = new Set(waveOf.values());
  const empty = Array.from({ length: numbered }, (_, k) => k).filter((k) => !used.has(k));
  const issues: ConfigIssue[] = empty
    .filter((k) => k < waves.length && !reported.some((issue) => issue.path.startsWith(`rolloutWaves[${k}]`)))
    .map((k) => ({
      path: `rolloutWaves[${k}]`,
      message: "places no server: every server it names or matches is placed in another wave (an exact name or rollout.wave wins over a pattern): remove the wave, or move servers into it",
    }));
  const unlisted = empty.filter((k) => k >= waves.length);
  if (unlisted.length === 0) return issues;
  const highest = [...exact.values()].flat().reduce<Placement | undefined>((top, p) => (top === undefined || p.wave > top.wave ? p : top), undefined);
  issues.push({
    path: highest?.at ?? "rolloutWaves",
    message: `is ${highest?.wave}, but no server is in wave ${unlisted.join(", ")}: number the waves from 0 without gaps (wave 0 ramps first)`,
  });
  return issues;
}
