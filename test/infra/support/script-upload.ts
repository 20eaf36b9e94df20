/**
 * Provider stand-in for `cloudflare.WorkersScript` under mocks: uploads the
 * script the way the Cloudflare provider does (multipart, snake_case
 * metadata, module part named after `main_module`) to the fake Cloudflare API,
 * reading `contentFile` from where the provider runs: the engine's working
 * directory for this project (infra/, see language-host.ts).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { engineWorkingDirectory, readProjectFile } from "./language-host.ts";
import type { ProviderInputs } from "../../../scripts/lib/mock-engine.ts";

export const WORKERS_SCRIPT = "cloudflare:index/workersScript:WorkersScript";

export interface UploadTarget {
  readonly url: string;
  readonly apiToken: string;
}

/** `onCreate` hook: uploads WorkersScript resources, ignores everything else. */
export function uploadScriptsTo(target: UploadTarget) {
  return async (type: string, _name: string, inputs: ProviderInputs): Promise<Record<string, unknown> | void> => {
    if (type !== WORKERS_SCRIPT) return;
    const mainModule = String(inputs["mainModule"]);
    const metadata = snake({
      mainModule,
      compatibilityDate: inputs["compatibilityDate"],
      compatibilityFlags: inputs["compatibilityFlags"],
      bindings: inputs["bindings"],
      migrations: inputs["migrations"],
      observability: inputs["observability"],
      keepBindings: inputs["keepBindings"],
    });
    const { pwd } = await engineWorkingDirectory(await readProjectFile());
    const code = await readFile(resolve(pwd, String(inputs["contentFile"])));
    const form = new FormData();
    form.append("metadata", JSON.stringify(metadata));
    form.append(mainModule, new Blob([code], { type: "application/javascript+module" }), mainModule);
    const response = await fetch(`${target.url}/accounts/${String(inputs["accountId"])}/workers/scripts/${String(inputs["scriptName"])}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${target.apiToken}` },
      body: form,
    });
    const body = (await response.json()) as { success: boolean; errors: { code: number; message: string }[]; result: { migration_tag: string } | null };
    if (!body.success) throw new Error(body.errors.map((e) => `${e.message} [code: ${e.code}]`).join("; "));
    return { migrationTag: body.result?.migration_tag ?? "" };
  };
}

function snake(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snake);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(v)]),
    );
  }
  return value;
}
