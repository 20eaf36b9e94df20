/** Loads the repository's GitHub workflow files for the CI tests. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const WORKFLOW_DIR = ".github/workflows";

export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly "continue-on-error"?: boolean;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string | number | boolean>;
  readonly env?: Record<string, string>;
  readonly if?: string;
}

export interface Job {
  readonly name?: string;
  readonly if?: string;
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string> | string;
  readonly environment?: string | { name: string; url?: string };
  readonly concurrency?: { group: string; "cancel-in-progress"?: boolean } | string;
  readonly strategy?: { matrix?: Record<string, unknown> };
  readonly env?: Record<string, string>;
  readonly steps: Step[];
}

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string> | string;
  readonly jobs: Record<string, Job>;
}

export function loadWorkflows(): Workflow[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const file = join(WORKFLOW_DIR, f);
      const text = readFileSync(file, "utf8");
      return { file, text, ...(parse(text) as Omit<Workflow, "file" | "text">) };
    });
}

export function workflowNamed(name: string): Workflow {
  const wf = loadWorkflows().find((w) => w.name === name);
  if (!wf) throw new Error(`no workflow named ${name} in ${WORKFLOW_DIR}`);
  return wf;
}

/** Every `${{ secrets.X }}` referenced anywhere in a value. */
export function secretsReferenced(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? "");
}
