/**
 * Readers that turn a stack's config into `StackConfigInput`: from the
 * running Pulumi program, or straight from `Pulumi.<stack>.yaml` for the
 * offline plan, `npm start --stack` and the tests. Both decode values the way
 * the Pulumi CLI hands them to a program, so one parser serves both.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { parseStackConfig, PROJECT, type FleetConfig, type StackConfigInput } from "./config.ts";
import { authgentSecretLeaves } from "./authgent/secret-paths.ts";
import { withMissingSecretPlaceholders } from "./authgent/required-secrets.ts";
import { authgentConfigPlugin } from "./config-plugins.ts";
import { SECURE_PLACEHOLDER } from "./secret-value.ts";
import { REPO_ROOT } from "./worker-bundle.ts";

/** Re-exported where the stack file readers produce it. */
export { SECURE_PLACEHOLDER };

const NAMESPACE = `${PROJECT}:`;

/** Config of the program Pulumi is running (`pulumi up` / `preview`). */
export function readPulumiConfig(): StackConfigInput {
  const all = pulumi.runtime.allConfig();
  const values: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (fullKey.startsWith(NAMESPACE)) values[fullKey.slice(NAMESPACE.length)] = decode(value);
  }
  // The language host lists keys holding any `secure:` value; `secrets` must be one.
  const secretKeys = secretConfigKeys(process.env["PULUMI_CONFIG_SECRET_KEYS"]);
  const plaintextSecretPaths = values["secrets"] !== undefined && !secretKeys.includes(`${NAMESPACE}secrets`) ? leafPaths(values["secrets"], "secrets") : [];
  // Issue 4: the `authgent:` block's secret fields follow the same rule.
  if (!secretKeys.includes(`${NAMESPACE}authgent`)) plaintextSecretPaths.push(...authgentSecretLeaves(values["authgent"]).map((leaf) => leaf.path));
  return { stack: pulumi.getStack(), values, plaintextSecretPaths };
}

export interface ReadStackFileOptions {
  /** Directory holding `Pulumi.<stack>.yaml`. @default the repository root */
  readonly dir?: string;
}

/** A stack file that cannot be read: bad stack name or no `Pulumi.<stack>.yaml`. */
export class StackFileError extends Error {
  readonly code = "ERR_STACK_FILE";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StackFileError";
  }
}

/** Config of `Pulumi.<stack>.yaml`, with `secure:` values replaced by `SECURE_PLACEHOLDER`. */
export async function readStackFile(stack: string, options: ReadStackFileOptions = {}): Promise<StackConfigInput> {
  if (!/^[\w.-]+$/.test(stack)) throw new StackFileError(`stack name "${stack}" may only contain letters, digits, "-", "_" and "."`);
  const file = resolve(options.dir ?? REPO_ROOT, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new StackFileError(`no stack file ${file}: create it with \`pulumi stack init ${stack}\``, { cause: err });
    throw err;
  }
  return stackFileInput(stack, text);
}

/** Parses stack file text (exported for tests that build configs in memory). */
export function stackFileInput(stack: string, text: string): StackConfigInput {
  const doc: unknown = parseYaml(text) ?? {};
  const config = isRecord(doc) && isRecord(doc["config"]) ? doc["config"] : {};
  const values: Record<string, unknown> = {};
  const plaintextSecretPaths: string[] = [];
  for (const [fullKey, value] of Object.entries(config)) {
    if (!fullKey.startsWith(NAMESPACE)) continue;
    const key = fullKey.slice(NAMESPACE.length);
    values[key] = fromYaml(value, key, key === "secrets", plaintextSecretPaths);
    // Issue 4: the `authgent:` block's secret fields must be `secure:` values too.
    if (key === "authgent") {
      plaintextSecretPaths.push(...authgentSecretLeaves(value).filter((leaf) => !isSecureValue(leaf.value)).map((leaf) => leaf.path));
      // Offline only: a required secret not stored yet renders as a visible placeholder, with a
      // warning; `pulumi preview`/`up` read config through readPulumiConfig and refuse instead.
      values[key] = withMissingSecretPlaceholders(values[key], stack);
    }
  }
  return { stack, values, plaintextSecretPaths };
}

/** Reads, validates and resolves a stack file in one step. */
export async function loadStackFileConfig(stack: string, options: ReadStackFileOptions = {}): Promise<FleetConfig> {
  return parseStackConfig(await readStackFile(stack, options), { ...(authgentConfigPlugin ? { authgent: authgentConfigPlugin } : {}) });
}

/** Reads, validates and resolves the running program's config. */
export function loadPulumiConfig(): FleetConfig {
  return parseStackConfig(readPulumiConfig(), { ...(authgentConfigPlugin ? { authgent: authgentConfigPlugin } : {}) });
}

function isSecureValue(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length === 1 && typeof value["secure"] === "string";
}

function fromYaml(value: unknown, path: string, inSecrets: boolean, plaintext: string[]): unknown {
  if (isSecureValue(value)) return SECURE_PLACEHOLDER;
  if (Array.isArray(value)) return value.map((item, i) => fromYaml(item, `${path}[${i}]`, inSecrets, plaintext));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromYaml(v, `${path}.${k}`, inSecrets, plaintext);
    return out;
  }
  if (inSecrets && value !== null && value !== undefined) plaintext.push(path);
  return value;
}

/** The CLI passes structured values as JSON text and scalars as strings. */
function decode(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * The config keys the language host marks as holding `secure:` values
 * (PULUMI_CONFIG_SECRET_KEYS, a JSON list). An unreadable list is an error:
 * treating it as empty would report every encrypted secret as plain text.
 */
export function secretConfigKeys(raw: string | undefined): string[] {
  if (!raw) return [];
  const message = "PULUMI_CONFIG_SECRET_KEYS is not a JSON list of config keys (it is set by the Pulumi CLI; unset it or run the program through pulumi)";
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(message, { cause: err });
  }
  if (!Array.isArray(parsed) || !parsed.every((key) => typeof key === "string")) throw new Error(message);
  return parsed;
}

function leafPaths(value: unknown, path: string): string[] {
  if (!isRecord(value)) return [path];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, `${path}.${k}`));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
