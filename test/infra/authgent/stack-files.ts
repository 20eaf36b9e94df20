/**
 * The committed stacks as they look once an operator has stored Authgent's
 * signing key (`npm run --silent keygen -- --stack <s> | pulumi config set
 * --secret --path authgent.signingKey --stack <s>`). The committed files
 * cannot carry it — a `secure:` value needs the stack's secrets provider — so
 * a stack that runs Authgent fails validation, by design, until it is set.
 * Tests that render such a stack go through these helpers.
 */
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { generateSigningKey } from "../../../infra/authgent/signing-key.ts";
import { REPO_ROOT } from "../../../infra/worker-bundle.ts";

const AUTHGENT_KEY = "authgent-edge:authgent";
/** What `pulumi config set --secret` writes, in shape; never decrypted offline. */
const TEST_CIPHERTEXT = "v1:dGVzdC1vbmx5:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0";

const dirs = new Map<string, Promise<string | undefined>>();

/**
 * Options for `renderStack` / `loadStackFileConfig` / `resolveLocalRun`: the
 * committed `Pulumi.<stack>.yaml`, plus `authgent.signingKey` as a `secure:`
 * value when the stack runs Authgent (then `{ dir }` is a temp copy).
 */
export async function committedStackOptions(stack: string): Promise<{ dir?: string }> {
  let dir = dirs.get(stack);
  if (!dir) {
    dir = copyWithSigningKey(stack);
    dirs.set(stack, dir);
  }
  const resolved = await dir;
  return resolved === undefined ? {} : { dir: resolved };
}

async function copyWithSigningKey(stack: string): Promise<string | undefined> {
  const doc = parseDocument(await readFile(resolve(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  if (!doc.hasIn(["config", AUTHGENT_KEY])) return undefined;
  doc.setIn(["config", AUTHGENT_KEY, "signingKey"], doc.createNode({ secure: TEST_CIPHERTEXT }));
  const dir = await mkdtemp(join(tmpdir(), `stack-${stack}-`));
  await writeFile(join(dir, `Pulumi.${stack}.yaml`), doc.toString());
  await copyFile(resolve(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  return dir;
}

/**
 * Language-host config (PULUMI_CONFIG + secret keys) as `pulumi up` hands it
 * to the program once the key is set: decrypted, the `authgent` key listed as
 * secret. Unchanged for a stack without Authgent.
 */
export async function withCommittedSigningKey<E extends { config: Record<string, string>; secretKeys: string[] }>(env: E): Promise<E> {
  const raw = env.config[AUTHGENT_KEY];
  if (raw === undefined) return env;
  const block = JSON.parse(raw) as Record<string, unknown>;
  const { pkcs8Pem } = await generateSigningKey();
  return {
    ...env,
    config: { ...env.config, [AUTHGENT_KEY]: JSON.stringify({ ...block, signingKey: pkcs8Pem }) },
    secretKeys: [...new Set([...env.secretKeys, AUTHGENT_KEY])],
  };
}
