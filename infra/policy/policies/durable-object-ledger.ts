import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DURABLE_OBJECT_MIGRATIONS, type DurableObjectMigration } from "../../../worker/bindings.ts";
import { RESOURCE_TYPES, scriptBindings } from "../resources.ts";

/** The identifier `npm run policy:build` replaces with the servers' own Durable Object classes (`serverDurableObjectClasses`). */
export const SERVER_DO_CLASSES_DEFINE = "__AUTHGENT_SERVER_DO_CLASSES__";
declare const __AUTHGENT_SERVER_DO_CLASSES__: readonly string[] | undefined;
/** Compiled in by the pack build; none when the policies run from source (tests pass their own). */
const BUILT_SERVER_CLASSES: readonly string[] = typeof __AUTHGENT_SERVER_DO_CLASSES__ === "undefined" ? [] : __AUTHGENT_SERVER_DO_CLASSES__;

/**
 * The classes that exist after applying the ledger in order: created by
 * `newSqliteClasses`/`newClasses`, moved by renames, removed by deletes.
 */
export function classesAfter(ledger: readonly DurableObjectMigration[]): Set<string> {
  const live = new Set<string>();
  for (const step of ledger) {
    for (const name of [...(step.newSqliteClasses ?? []), ...(step.newClasses ?? [])]) live.add(name);
    for (const { from, to } of step.renamedClasses ?? []) {
      live.delete(from);
      live.add(to);
    }
    for (const name of step.deletedClasses ?? []) live.delete(name);
  }
  return live;
}

/**
 * Seed checklist "Durable Objects migrations applied". Cloudflare rejects (or,
 * via wrangler `[env.*]` blocks, silently drops) a Durable Object binding
 * whose class no migration created; the seed lost its `MCP_OBJECT` that way.
 */
export function durableObjectLedgerPolicy(
  ledger: readonly DurableObjectMigration[] = DURABLE_OBJECT_MIGRATIONS,
  /** Classes the servers' own ledgers create (their manifests; checked by `defineMcpServer`). @default the ones compiled into the pack */
  serverClasses: readonly string[] = BUILT_SERVER_CLASSES,
): ResourceValidationPolicy {
  const live = new Set([...classesAfter(ledger), ...serverClasses]);
  return {
    name: "durable-objects-in-migration-ledger",
    description: "Every Durable Object binding's class is created by the migration ledger in worker/bindings.ts.",
    severity: "high",
    remediationSteps:
      "Append a step to DURABLE_OBJECT_MIGRATIONS in worker/bindings.ts that creates the class (newSqliteClasses), " +
      "or declare it in the server's manifest (durableObjects and a migrations step), or point the binding at an existing class. Never edit a deployed step.",
    validateResource: (args, reportViolation) => {
      if (args.type !== RESOURCE_TYPES.workersScript) return;
      for (const binding of scriptBindings(args.props)) {
        // A class in another worker is that worker's migration to make.
        if (binding.type !== "durable_object_namespace" || binding.scriptName) continue;
        if (!binding.className) {
          reportViolation(`Durable Object binding ${binding.name} names no class_name.`);
        } else if (!live.has(binding.className)) {
          reportViolation(
            `Durable Object binding ${binding.name} uses class ${binding.className}, which no step of the migration ledger creates ` +
              `(live classes: ${[...live].join(", ") || "none"}). Append a migration step with newSqliteClasses: ["${binding.className}"] to worker/bindings.ts.`,
          );
        }
      }
    },
  };
}
