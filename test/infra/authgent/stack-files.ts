/**
 * Stack files as they look once an operator has stored Authgent's signing
 * key (`npm run --silent keygen -- --stack <s> | pulumi config set --secret
 * --path authgent.signingKey --stack <s>`). The committed stack files cannot
 * carry it: a `secure:` value needs the stack's secrets provider.
 */
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { REPO_ROOT } from "../../../infra/worker-bundle.ts";

const AUTHGENT_KEY = "authgent-edge:authgent";
/** What `pulumi config set --secret` writes, in shape; never decrypted offline. */
const TEST_CIPHERTEXT = "v1:dGVzdC1vbmx5:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0";

/** A temp dir holding Pulumi.yaml and Pulumi.<stack>.yaml with `authgent.signingKey` as a `secure:` value; pass it as `{ dir }`. */
export async function stackDirWithSigningKey(stack: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `stack-${stack}-`));
  const doc = parseDocument(await readFile(resolve(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  if (!doc.hasIn(["config", AUTHGENT_KEY])) throw new Error(`Pulumi.${stack}.yaml has no ${AUTHGENT_KEY} block`);
  doc.setIn(["config", AUTHGENT_KEY, "signingKey"], doc.createNode({ secure: TEST_CIPHERTEXT }));
  await writeFile(join(dir, `Pulumi.${stack}.yaml`), doc.toString());
  await copyFile(resolve(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  return dir;
}

/** Language-host config (PULUMI_CONFIG + secret keys) with the decrypted signing key, as `pulumi up` hands it to the program. */
export function withSigningKey<E extends { config: Record<string, string>; secretKeys: string[] }>(env: E, pem: string): E {
  const raw = env.config[AUTHGENT_KEY];
  if (raw === undefined) throw new Error(`no ${AUTHGENT_KEY} in this stack's config`);
  const block = JSON.parse(raw) as Record<string, unknown>;
  return {
    ...env,
    config: { ...env.config, [AUTHGENT_KEY]: JSON.stringify({ ...block, signingKey: pem }) },
    secretKeys: [...new Set([...env.secretKeys, AUTHGENT_KEY])],
  };
}
