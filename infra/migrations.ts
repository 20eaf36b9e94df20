/**
 * Durable Object migrations: the kit's ledger in `worker/bindings.ts`, plus
 * a server's own ledger (its manifest's `migrations`), against the tag
 * Cloudflare last applied to one script.
 *
 * Cloudflare keeps one migration tag per script and rejects an upload whose
 * `old_tag` differs from it ("Migration tag precondition failed", code
 * 10079). The Terraform-bridged `WorkersScript` re-sends whatever
 * `migrations` it is given on every update (pulumi-cloudflare#1215), so the
 * program sends only the steps after the deployed tag, with that tag as
 * `oldTag` — wrangler's algorithm, minus its fallback of replaying the whole
 * ledger when the deployed tag is unknown (that would re-create live classes
 * and fail with 10074; we stop with an actionable error instead).
 *
 * The two ledgers grow independently, so a script's one tag records its
 * place in both: `<kit tag>+<server tag>` once the server has steps of its
 * own (`v1+notes-v1`), the kit's tag alone otherwise (every script deployed
 * before servers had ledgers). Appending to either ledger then never moves
 * the other's applied steps, as concatenating them would when the kit grows.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import { DURABLE_OBJECT_MIGRATIONS, MCP_AGENT, type DurableObjectMigration } from "../worker/bindings.ts";
import type { MigrationTagReader } from "./cloudflare-api.ts";

export type MigrationLedger = readonly DurableObjectMigration[];

/** Joins the kit's and the server's halves of a deployed tag; neither ledger's tags may contain it. */
export const TAG_SEPARATOR = "+";

/** The tag a script is at after both ledgers: the kit's last tag, then `+` and the server's when it has steps. */
export function combinedTag(kitTag: string | undefined, serverTag: string | undefined): string | undefined {
  if (serverTag === undefined) return kitTag;
  return `${kitTag ?? ""}${TAG_SEPARATOR}${serverTag}`;
}

export class MigrationLedgerError extends Error {
  readonly code = "ERR_MIGRATION_LEDGER";
  constructor(message: string) {
    super(message);
    this.name = "MigrationLedgerError";
  }
}

/** The `migrations` input for one upload, or undefined when the script is up to date. */
export type ScriptMigrations = cloudflare.types.input.WorkersScriptMigrations;

/**
 * Steps to send given the script's deployed tag (`undefined`: never deployed
 * or never migrated): the kit's steps after its half of the tag, then the
 * server's after its half. Throws when a half is not in its ledger.
 */
export function pendingMigrations(
  ledger: MigrationLedger,
  deployedTag: string | undefined,
  scriptName: string,
  serverLedger: MigrationLedger = [],
): ScriptMigrations | undefined {
  const separator = deployedTag?.indexOf(TAG_SEPARATOR) ?? -1;
  const kitTag = deployedTag === undefined || separator === -1 ? deployedTag : deployedTag.slice(0, separator);
  const serverTag = deployedTag === undefined || separator === -1 ? undefined : deployedTag.slice(separator + 1);
  const kitFrom = positionAfter(ledger, kitTag, () =>
    `script ${scriptName} is at Durable Object migration tag "${deployedTag ?? ""}", which is not in DURABLE_OBJECT_MIGRATIONS ` +
      `(worker/bindings.ts: ${ledger.map((s) => s.tag).join(", ")}). Deployed steps must never be removed or renamed: restore the ledger entry for "${kitTag ?? ""}".`,
  );
  const serverFrom = positionAfter(serverLedger, serverTag, () =>
    `script ${scriptName} is at Durable Object migration tag "${deployedTag ?? ""}", whose server half "${serverTag ?? ""}" is not in the server's own ledger ` +
      `(its manifest's migrations: ${serverLedger.map((s) => s.tag).join(", ") || "none"}). Deployed steps must never be removed or renamed: restore the step "${serverTag ?? ""}" in the server's manifest.`,
  );
  const steps = [...ledger.slice(kitFrom), ...serverLedger.slice(serverFrom)];
  if (steps.length === 0) return undefined;
  const newTag = combinedTag(ledger.at(-1)?.tag, serverLedger.at(-1)?.tag);
  if (newTag === undefined) return undefined;
  return {
    ...(deployedTag === undefined ? {} : { oldTag: deployedTag }),
    newTag,
    steps: steps.map(toStep),
  };
}

/** Index of the first step after `tag` (0 for no tag); `missing()` is the error when `tag` is not in the ledger. */
function positionAfter(ledger: MigrationLedger, tag: string | undefined, missing: () => string): number {
  if (tag === undefined) return 0;
  const index = ledger.findIndex((step) => step.tag === tag);
  if (index === -1) throw new MigrationLedgerError(missing());
  return index + 1;
}

function toStep(step: DurableObjectMigration): cloudflare.types.input.WorkersScriptMigrationsStep {
  return {
    ...(step.newSqliteClasses?.length ? { newSqliteClasses: [...step.newSqliteClasses] } : {}),
    ...(step.newClasses?.length ? { newClasses: [...step.newClasses] } : {}),
    ...(step.renamedClasses?.length ? { renamedClasses: step.renamedClasses.map(({ from, to }) => ({ from, to })) } : {}),
    ...(step.deletedClasses?.length ? { deletedClasses: [...step.deletedClasses] } : {}),
  };
}

/**
 * Checks the ledger itself: unique tags, and every bound Durable Object class
 * exists after the last step (the seed's wrangler envs lost their Durable
 * Object exactly by drifting apart from the ledger).
 */
export function checkLedger(ledger: MigrationLedger, boundClasses: readonly string[] = [MCP_AGENT.className]): void {
  const tags = new Set<string>();
  const live = new Set<string>();
  for (const step of ledger) {
    if (tags.has(step.tag)) throw new MigrationLedgerError(`DURABLE_OBJECT_MIGRATIONS repeats tag "${step.tag}": every step needs a new, never reused tag`);
    if (step.tag.includes(TAG_SEPARATOR)) throw new MigrationLedgerError(`DURABLE_OBJECT_MIGRATIONS tag "${step.tag}" contains "${TAG_SEPARATOR}", which joins the kit's and a server's tags: pick a tag without it`);
    tags.add(step.tag);
    for (const name of [...(step.newSqliteClasses ?? []), ...(step.newClasses ?? [])]) {
      if (live.has(name)) throw new MigrationLedgerError(`migration "${step.tag}" creates ${name}, which already exists`);
      live.add(name);
    }
    for (const { from, to } of step.renamedClasses ?? []) {
      if (!live.delete(from)) throw new MigrationLedgerError(`migration "${step.tag}" renames ${from}, which does not exist`);
      live.add(to);
    }
    for (const name of step.deletedClasses ?? []) {
      if (!live.delete(name)) throw new MigrationLedgerError(`migration "${step.tag}" deletes ${name}, which does not exist`);
    }
  }
  for (const name of boundClasses) {
    if (!live.has(name)) {
      throw new MigrationLedgerError(`Durable Object class ${name} is bound but no migration in DURABLE_OBJECT_MIGRATIONS creates it: append a step with newSqliteClasses: ["${name}"]`);
    }
  }
}

/** Deployed-tag reads in flight at once: polite to the API, quick for 50 servers. */
const READ_CONCURRENCY = 8;

/**
 * Reads each script's deployed tag (one request per script) and returns the
 * pending steps per script name. Runs before any resource is declared, so a
 * bad ledger or an unreachable API fails the program cleanly. A server's own
 * ledger (`serverLedgers`, by script name) was checked when its module was
 * evaluated (`worker/kit/manifest-check.ts`).
 */
export async function planMigrations(
  accountId: string,
  scriptNames: readonly string[],
  reader: MigrationTagReader,
  ledger: MigrationLedger = DURABLE_OBJECT_MIGRATIONS,
  serverLedgers: ReadonlyMap<string, MigrationLedger> = new Map(),
): Promise<ReadonlyMap<string, ScriptMigrations | undefined>> {
  checkLedger(ledger);
  const out = new Map<string, ScriptMigrations | undefined>();
  const queue = [...scriptNames];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      out.set(name, pendingMigrations(ledger, await reader.currentTag(accountId, name), name, serverLedgers.get(name)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, queue.length) }, worker));
  return new Map(scriptNames.map((name) => [name, out.get(name)]));
}

export { DURABLE_OBJECT_MIGRATIONS };
