/**
 * The committed stacks as they look once an operator has stored Authgent's
 * secret key (`npm run --silent keygen -- --stack <s> | pulumi config set
 * --secret --path authgent.secretKey --stack <s>`). The committed files
 * cannot carry it (a `secure:` value needs the stack's secrets provider):
 * offline they render with a placeholder and a warning, and Pulumi refuses
 * them. Tests that need the stack as deployed go through these helpers.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { REPO_ROOT } from "../../../infra/worker-bundle.ts";

const AUTHGENT_KEY = "authgent-edge:authgent";
/** What `pulumi config set --secret` writes, in shape; never decrypted offline. */
const TEST_CIPHERTEXT = "v1:dGVzdC1vbmx5:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0";

const dirs = new Map<string, Promise<string | undefined>>();

/**
 * Options for `renderStack` / `loadStackFileConfig` / `resolveLocalRun`: the
 * committed `Pulumi.<stack>.yaml`, plus `authgent.secretKey` as a `secure:`
 * value when the stack runs Authgent (then `{ dir }` is a temp copy).
 */
export async function committedStackOptions(stack: string): Promise<{ dir?: string }> {
  let dir = dirs.get(stack);
  if (!dir) {
    dir = copyWithSecretKey(stack);
    dirs.set(stack, dir);
  }
  const resolved = await dir;
  return resolved === undefined ? {} : { dir: resolved };
}

async function copyWithSecretKey(stack: string): Promise<string | undefined> {
  const doc = parseDocument(await readFile(resolve(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  if (!doc.hasIn(["config", AUTHGENT_KEY])) return undefined;
  doc.setIn(["config", AUTHGENT_KEY, "secretKey"], doc.createNode({ secure: TEST_CIPHERTEXT }));
  const dir = await mkdtemp(join(tmpdir(), `stack-${stack}-`));
  await writeFile(join(dir, `Pulumi.${stack}.yaml`), doc.toString());
  await copyFile(resolve(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  return dir;
}

/**
 * Language-host config (PULUMI_CONFIG + secret keys) as `pulumi up` hands it
 * to the program once the secret key is set: decrypted, the `authgent` key
 * listed as secret. Unchanged for a stack without Authgent.
 */
export async function withCommittedSecrets<E extends { config: Record<string, string>; secretKeys: string[] }>(env: E): Promise<E> {
  const raw = env.config[AUTHGENT_KEY];
  if (raw === undefined) return env;
  const block = JSON.parse(raw) as Record<string, unknown>;
  return {
    ...env,
    config: { ...env.config, [AUTHGENT_KEY]: JSON.stringify({ ...block, secretKey: randomBytes(32).toString("hex") }) },
    secretKeys: [...new Set([...env.secretKeys, AUTHGENT_KEY])],
  };
}
