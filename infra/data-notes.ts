/**
 * Preview notes about the data a stack's servers keep in resources it
 * creates (KV namespaces, D1 databases, R2 buckets, queues), printed beside
 * the diff like `preview-notes.ts`'s: which data may go with this run or the
 * next, how to keep it, and what the D1 migrations step does. Every created
 * resource is protected unless a note here says otherwise, so a server or a
 * binding dropped from the stack without these steps stops the update at the
 * engine's "cannot be deleted because it is protected" error, naming the
 * resource; nothing is deleted.
 */
import { listNames } from "./preview-notes.ts";
import type { CreatableKind, CreatedResource } from "./server-bindings.ts";
import type { ServerCode } from "./server-code.ts";

/** What each kind holds, for messages. */
export const KIND_LABEL: { readonly [K in CreatableKind]: string } = {
  kv: "KV namespace",
  d1: "D1 database",
  r2: "R2 bucket",
  queue: "queue",
};

/** How to copy each kind's data out before deleting it (wrangler commands). */
export const EXPORT_HINT: { readonly [K in CreatableKind]: (name: string) => string } = {
  kv: (name) => `list and read its keys with \`wrangler kv key list --namespace-id <id of ${name}>\``,
  d1: (name) => `\`wrangler d1 export ${name} --remote --output ${name}.sql\``,
  r2: (name) => `copy its objects elsewhere (\`wrangler r2 object get ${name}/<key>\`, or an S3-compatible sync)`,
  queue: () => "let its consumers drain it",
};

export interface Created {
  readonly binding: string;
  readonly kind: CreatableKind;
  readonly create: CreatedResource;
}

/** The resources the stack creates for the server's bindings (not those it is retiring). */
export function createdBy(code: ServerCode): Created[] {
  const out: Created[] = [];
  for (const binding of code.bindings) {
    if ((binding.kind === "kv" || binding.kind === "d1" || binding.kind === "r2" || binding.kind === "queue") && binding.create) {
      out.push({ binding: binding.name, kind: binding.kind, create: binding.create });
    }
  }
  return out;
}

function describe(resources: readonly Created[]): string {
  return resources.map((r) => `${KIND_LABEL[r.kind]} ${r.create.name} (${r.binding})`).join(", ");
}

export function dataNotes(
  servers: readonly { readonly name: string }[],
  code: ReadonlyMap<string, ServerCode>,
  retired: readonly string[],
): string[] {
  const notes: string[] = [];
  const migrated: string[] = [];
  const unmigrated: string[] = [];
  for (const server of servers) {
    const serverCode = code.get(server.name);
    if (!serverCode) continue;
    const created = createdBy(serverCode);
    if (retired.includes(server.name) && created.length > 0) {
      notes.push(
        `server ${server.name} is retired (retiredServers): the resources the stack created for it are no longer protected — ${describe(created)} — ` +
          "so removing the server from servers: deletes them with their data. " +
          `To keep them, remove ${server.name} from retiredServers (the next \`pulumi up\` protects them again), or export first: ${created.map((r) => EXPORT_HINT[r.kind](r.create.name)).join("; ")}.`,
      );
    }
    for (const binding of serverCode.bindings) {
      if (binding.kind !== "d1" || !binding.migrationsDir) continue;
      const files = serverCode.d1Migrations.get(binding.name);
      if (binding.create && files) migrated.push(`${server.name} ${binding.name} (${files.map((f) => f.name).join(", ") || "no files yet"})`);
      else if (!binding.create) unmigrated.push(`${server.name} ${binding.name}`);
    }
    for (const retiring of serverCode.retiring) {
      notes.push(
        `server ${server.name}: ${describe([retiring])} is no longer bound by its code and its entry says deleteData: true, so it is not protected: ` +
          `removing servers[].bindings.${retiring.binding} from the stack deletes it with its data. To keep it, remove deleteData (it stays protected) or ${EXPORT_HINT[retiring.kind](retiring.create.name)} first.`,
      );
    }
    const marked = created.filter((r) => r.create.deleteData && !retired.includes(server.name));
    if (marked.length > 0) {
      notes.push(
        `server ${server.name}: ${describe(marked)} ${marked.length === 1 ? "is" : "are"} not protected (deleteData: true): a change that replaces ${marked.length === 1 ? "it" : "them"}, ` +
          "or removing the binding or the server, deletes the data. To keep it, remove deleteData from the entry.",
      );
    }
  }
  if (migrated.length > 0) {
    notes.push(
      `D1 SQL migrations: \`pulumi up\` applies each file not yet recorded in the database's d1_migrations table (wrangler's table) after the database exists and before the script that binds it is uploaded: ${listNames(migrated)}.`,
    );
  }
  if (unmigrated.length > 0) {
    notes.push(`D1 databases referenced by id are not migrated by this stack (their owner applies the migrations, e.g. \`wrangler d1 migrations apply <database> --remote\`): ${listNames(unmigrated)}.`);
  }
  return notes;
}
