/**
 * Checks a server's manifest when the server is defined, so a bad one fails
 * `npm run build`, `npm test`, `npm start` and the Pulumi program at module
 * evaluation, naming the binding, class or ledger step. Runtime-agnostic
 * (Node evaluates server modules too).
 */
import { DURABLE_OBJECT_MIGRATIONS, MCP_AGENT, RATE_LIMITER, WORKER_VARS, type DurableObjectMigration } from "../bindings.ts";
import { ServerDefinitionError } from "./errors.ts";
import { BINDING_KINDS, type ServerManifest } from "./manifest.ts";

/** `env` property names a manifest may use: upper-case identifiers, as Cloudflare binding names and our secrets are. */
export const BINDING_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Durable Object classes are exported JavaScript class names. */
const CLASS_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/**
 * Migration tags of a server's own ledger. `+` is left out on purpose: the
 * deployed tag of a script with its own ledger is `<kit tag>+<server tag>`
 * (`infra/migrations.ts`), so both halves must be free of it.
 */
export const SERVER_MIGRATION_TAG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Names the kit binds itself on every server: the worker vars, its Durable Object and its rate limiter. */
export const KIT_BINDING_NAMES: ReadonlySet<string> = new Set([...Object.keys(WORKER_VARS), MCP_AGENT.binding, RATE_LIMITER.binding]);

/** Every class the kit's own ledger ever created or named: a server's classes must not reuse one. */
function kitClassNames(ledger: readonly DurableObjectMigration[]): Set<string> {
  const names = new Set<string>();
  for (const step of ledger) {
    for (const name of [...(step.newSqliteClasses ?? []), ...(step.newClasses ?? []), ...(step.deletedClasses ?? [])]) names.add(name);
    for (const { from, to } of step.renamedClasses ?? []) names.add(from).add(to);
  }
  return names;
}

/** Throws `ServerDefinitionError` for the first problem of `manifest` (offender: `server "<name>" manifest …`). */
export function checkManifest(manifest: ServerManifest, serverName: string, kitLedger: readonly DurableObjectMigration[] = DURABLE_OBJECT_MIGRATIONS): void {
  const at = (what: string) => `server "${serverName}" manifest ${what}`;
  if (typeof manifest !== "object" || manifest === null) throw new ServerDefinitionError(at(""), "must be an object from defineManifest({...})");
  const names = new Set<string>();
  const checkName = (name: string, what: string): void => {
    if (!BINDING_NAME.test(name)) throw new ServerDefinitionError(at(`${what} ${JSON.stringify(name)}`), "binding names must be upper-case identifiers like NOTES_DB (A-Z, 0-9, _; at most 64)");
    if (KIT_BINDING_NAMES.has(name)) {
      throw new ServerDefinitionError(at(`${what} ${JSON.stringify(name)}`), "collides with a binding the kit sets on every server (worker/bindings.ts: MCP_OBJECT, MCP_RATE_LIMITER, the worker vars); pick another name");
    }
    if (names.has(name)) throw new ServerDefinitionError(at(`${what} ${JSON.stringify(name)}`), "is declared twice (bindings and durableObjects share the env namespace)");
    names.add(name);
  };

  for (const [name, binding] of Object.entries(manifest.bindings ?? {})) {
    checkName(name, "binding");
    if (!BINDING_KINDS.includes(binding?.kind)) throw new ServerDefinitionError(at(`binding "${name}"`), `kind must be one of ${BINDING_KINDS.join(", ")}`);
    if (binding.kind === "d1" && binding.migrationsDir !== undefined && !/^[\w.-]+(?:\/[\w.-]+)*$/.test(binding.migrationsDir)) {
      throw new ServerDefinitionError(at(`binding "${name}"`), "migrationsDir must be a relative directory like examples/notes/migrations");
    }
  }

  const kitClasses = kitClassNames(kitLedger);
  const declaredClasses = new Set<string>();
  for (const [binding, declaration] of Object.entries(manifest.durableObjects ?? {})) {
    checkName(binding, "Durable Object binding");
    const className = declaration?.className;
    const offender = at(`Durable Object binding "${binding}"`);
    if (typeof className !== "string" || !CLASS_NAME.test(className)) throw new ServerDefinitionError(offender, "className must be the exported class name");
    if (kitClasses.has(className)) throw new ServerDefinitionError(offender, `class ${className} is the kit's own (its ledger in worker/bindings.ts names it); pick another class name`);
    if (declaredClasses.has(className)) throw new ServerDefinitionError(offender, `class ${className} is bound twice: bind each class once`);
    declaredClasses.add(className);
  }

  checkServerLedger(manifest.migrations ?? [], declaredClasses, kitLedger, at);
}

/**
 * The server's ledger on its own: tags new (also against the kit's), each
 * step valid for the classes alive before it, and afterwards exactly the
 * declared classes alive — a class created but never bound is a typo or a
 * forgotten `deletedClasses` step, a bound class never created fails every upload.
 */
function checkServerLedger(
  ledger: readonly DurableObjectMigration[],
  declared: ReadonlySet<string>,
  kitLedger: readonly DurableObjectMigration[],
  at: (what: string) => string,
): void {
  if (!Array.isArray(ledger)) throw new ServerDefinitionError(at("migrations"), "must be a list of migration steps");
  const kitTags = new Set(kitLedger.map((step) => step.tag));
  const tags = new Set<string>();
  const live = new Set<string>();
  for (const step of ledger) {
    const offender = at(`migration ${JSON.stringify(step?.tag)}`);
    if (typeof step?.tag !== "string" || !SERVER_MIGRATION_TAG.test(step.tag)) throw new ServerDefinitionError(offender, "tag must be 1-64 of A-Z a-z 0-9 _ . - (no +), starting with a letter or digit");
    if (kitTags.has(step.tag)) throw new ServerDefinitionError(offender, "reuses a tag of the kit's own ledger (worker/bindings.ts); prefix the server's tags, e.g. notes-v1");
    if (tags.has(step.tag)) throw new ServerDefinitionError(offender, "repeats a tag: every step needs a new, never reused tag");
    tags.add(step.tag);
    for (const name of [...(step.newSqliteClasses ?? []), ...(step.newClasses ?? [])]) {
      if (live.has(name)) throw new ServerDefinitionError(offender, `creates ${name}, which already exists`);
      live.add(name);
    }
    for (const { from, to } of step.renamedClasses ?? []) {
      if (!live.delete(from)) throw new ServerDefinitionError(offender, `renames ${from}, which does not exist`);
      live.add(to);
    }
    for (const name of step.deletedClasses ?? []) {
      if (!live.delete(name)) throw new ServerDefinitionError(offender, `deletes ${name}, which does not exist`);
    }
  }
  for (const name of live) {
    if (!declared.has(name)) {
      throw new ServerDefinitionError(at("migrations"), `leave class ${name} alive but no durableObjects entry binds it: bind it, or append a step with deletedClasses: ["${name}"]`);
    }
  }
  for (const name of declared) {
    if (!live.has(name)) {
      throw new ServerDefinitionError(at("durableObjects"), `bind class ${name}, which no step of migrations creates: append a step with a new tag and newSqliteClasses: ["${name}"]`);
    }
  }
}
