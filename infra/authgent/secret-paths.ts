/**
 * Which values of a raw `authgent:` block are secrets, so the stack config
 * readers can refuse ones stored in plain text (the same rule as the fleet's
 * `secrets:` map): `secretKey`, `dockerTls.{ca,cert,key}`,
 * `database.{password,url}`, `registration.token`, `secretEnv.*`.
 */
export interface SecretLeaf {
  /** Config path, e.g. "authgent.secretEnv.AUTHGENT_WEBHOOK_HMAC_SECRET". */
  readonly path: string;
  /** The raw value as the reader holds it (a `{ secure: … }` object in a stack file). */
  readonly value: unknown;
}

export function authgentSecretLeaves(block: unknown, prefix = "authgent"): SecretLeaf[] {
  if (!isRecord(block)) return [];
  const leaves: SecretLeaf[] = [];
  const leaf = (path: string, value: unknown) => {
    if (value !== undefined) leaves.push({ path: `${prefix}.${path}`, value });
  };
  leaf("secretKey", block["secretKey"]);
  for (const [group, fields] of [["database", ["password", "url"]], ["registration", ["token"]]] as const) {
    const entries = block[group];
    if (isRecord(entries)) for (const field of fields) leaf(`${group}.${field}`, entries[field]);
  }
  for (const group of ["dockerTls", "secretEnv"] as const) {
    const entries = block[group];
    if (!isRecord(entries)) continue;
    for (const [name, value] of Object.entries(entries)) leaf(`${group}.${name}`, value);
  }
  return leaves;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
