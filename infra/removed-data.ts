/**
 * Servers and created resources that were in the stack at its last deploy and
 * are gone from it now. The program cannot see the state, so each server
 * exports what holds its data (`recordedData`, under `servers.<name>.data`)
 * and the next run reads its own stack's previous outputs
 * (`previous-outputs.ts`) and compares them with the config: for each server
 * or created resource that disappeared, the preview says up front what data
 * would go, that the engine will refuse (every one of them is protected), and
 * the two ways out — put it back (or rename it with `previousNames`), or
 * delete it on purpose (`retiredServers` / `deleteData`). Notes only: nothing
 * here fails a run, so a previous output this program cannot read is a
 * warning, not an error.
 */
import { z } from "zod";
import { MCP_AGENT } from "../worker/bindings.ts";
import { createdBy, EXPORT_HINT, KIND_LABEL } from "./data-notes.ts";
import type { CreatableKind } from "./server-bindings.ts";
import type { ServerCode } from "./server-code.ts";

/** What a server's data lives in, as its stack output records it (`servers.<name>.data`). */
export interface RecordedData {
  /** Durable Object classes its Worker script binds: the kit's and the server's own. */
  readonly durableObjects: string[];
  /** Resources the stack created for its bindings (and those it is retiring), by binding name. */
  readonly created: Record<string, { readonly kind: CreatableKind; readonly name: string; readonly deleteData: boolean }>;
  /** Listed in `retiredServers`: its script and created resources are not protected. */
  readonly retired: boolean;
}

export function recordedData(code: ServerCode | undefined, retired: boolean): RecordedData {
  const created: Record<string, RecordedData["created"][string]> = {};
  if (code) {
    for (const r of createdBy(code)) created[r.binding] = { kind: r.kind, name: r.create.name, deleteData: r.create.deleteData };
    for (const r of code.retiring) created[r.binding] = { kind: r.kind, name: r.create.name, deleteData: true };
  }
  const own = Object.values(code?.description.manifest.durableObjects ?? {}).map((d) => d.className);
  return { durableObjects: [MCP_AGENT.className, ...own], created, retired };
}

/**
 * The previous `servers` output, read leniently: every field is optional so
 * the outputs of a deploy made before `data` existed still name the servers
 * (their created resources are then unknown).
 */
const previousServersSchema = z.record(
  z.string(),
  z.looseObject({
    scriptName: z.string().optional(),
    data: z
      .looseObject({
        durableObjects: z.array(z.string()).optional(),
        created: z.record(z.string(), z.looseObject({ kind: z.enum(["kv", "d1", "r2", "queue"]), name: z.string(), deleteData: z.boolean().optional() })).optional(),
        retired: z.boolean().optional(),
      })
      .optional(),
  }),
);

type PreviousServer = z.infer<typeof previousServersSchema>[string];

export interface CurrentServer {
  readonly name: string;
  readonly previousNames: readonly string[];
}

const REFUSAL = 'protected, so `pulumi up` refuses: the engine stops at "… cannot be deleted because it is protected", naming each resource, and nothing is deleted';

/**
 * Notes for `previous` (the last deploy's `servers` output; `undefined` on a
 * first deploy, or when none was supplied) against the stack as configured now.
 */
export function removalNotes(previous: unknown, servers: readonly CurrentServer[], code: ReadonlyMap<string, ServerCode>, retired: readonly string[]): string[] {
  if (previous === undefined || previous === null) return [];
  const parsed = previousServersSchema.safeParse(previous);
  if (!parsed.success) {
    return [
      `warning: this stack's previous \`servers\` output is not what this program exports (${parsed.error.issues[0]?.message ?? "unreadable"}), so servers and resources removed since the last deploy are not listed here; ` +
        "the engine still refuses to delete the protected ones and names them.",
    ];
  }
  const index = new Map<string, number>();
  servers.forEach((server, i) => {
    index.set(server.name, i);
    for (const earlier of server.previousNames) if (!index.has(earlier)) index.set(earlier, i);
  });
  const notes: string[] = [];
  for (const [name, before] of Object.entries(parsed.data)) {
    const i = index.get(name);
    const now = i === undefined ? undefined : servers[i];
    if (i === undefined || !now) notes.push(serverRemoved(name, before));
    else notes.push(...bindingsRemoved(i, now.name, before, code.get(now.name), retired.includes(now.name)));
  }
  return notes;
}

function describeCreated(created: NonNullable<PreviousServer["data"]>["created"]): string[] {
  return Object.entries(created ?? {}).map(([binding, r]) => `${KIND_LABEL[r.kind]} ${r.name} (${binding})`);
}

function serverRemoved(name: string, before: PreviousServer): string {
  const classes = before.data?.durableObjects ?? [MCP_AGENT.className];
  const what = [`its Worker script ${before.scriptName ?? name} with its Durable Object data (${classes.join(", ")}: every user's data)`, ...describeCreated(before.data?.created)].join(", ");
  if (before.data?.retired) {
    return (
      `server ${name} was retired (retiredServers, deleteData: true) and is no longer in servers:, so \`pulumi up\` deletes ${what}, with their data. ` +
      `To keep them, put ${name} back under servers: before running \`pulumi up\`.`
    );
  }
  const hints = Object.values(before.data?.created ?? {}).map((r) => EXPORT_HINT[r.kind](r.name));
  // A server renamed before keeps the script of its oldest name (`scriptName`), which must stay first.
  const earlier = before.scriptName && before.scriptName !== name ? `${before.scriptName}, ${name}` : name;
  return (
    `warning: server ${name} was deployed by this stack and is no longer in servers:. Removing it would delete ${what}. They are ${REFUSAL}. ` +
    `To keep the data, put ${name} back under servers: — if you renamed it, give the new entry previousNames: [${earlier}] and it keeps these resources. ` +
    `To delete it on purpose, put it back, add { name: ${name}, deleteData: true } to retiredServers and \`pulumi up\`, then remove it from both and \`pulumi up\` again` +
    (hints.length > 0 ? `; export first: ${hints.join("; ")}` : "") +
    ' (docs/fleets.md "Removing a server").'
  );
}

function bindingsRemoved(i: number, name: string, before: PreviousServer, code: ServerCode | undefined, retired: boolean): string[] {
  const now = recordedData(code, retired).created;
  const notes: string[] = [];
  for (const [binding, r] of Object.entries(before.data?.created ?? {})) {
    if (binding in now) continue;
    const what = `${KIND_LABEL[r.kind]} ${r.name} (${binding})`;
    const entry = `servers[${i}].bindings.${binding}`;
    if (r.deleteData) {
      notes.push(`server ${name}: ${what} was not protected (deleteData: true) and the stack no longer creates it, so \`pulumi up\` deletes it with its data. To keep it, put ${entry} back before running \`pulumi up\`.`);
      continue;
    }
    notes.push(
      `warning: server ${name}: ${what} was created by this stack and ${entry} no longer creates it. Removing it would delete its data. It is ${REFUSAL}. ` +
        `To keep it, put the create: entry back under ${entry}. ` +
        `To delete it on purpose, set ${entry} to { kind: ${r.kind}, create: { name: ${r.name} }, deleteData: true } and \`pulumi up\`, then remove the entry and \`pulumi up\` again; export first: ${EXPORT_HINT[r.kind](r.name)} ` +
        '(docs/fleets.md "Removing a binding and its data").',
    );
  }
  return notes;
}
