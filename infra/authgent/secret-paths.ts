/**
 * Which values of a raw `authgent:` block are secrets, so the stack config
 * readers can refuse ones stored in plain text (the same rule as the fleet's
 * `secrets:` map): `signingKey`, `dockerTls.{ca,cert,key}`, `secretEnv.*`.
 */
export interface SecretLeaf {
  /** Config path, e.g. "authgent.secretEnv.AUTHGENT_DB_DSN". */
  readonly path: string;
  /** The raw value as the reader holds it (a `{ secure: … }` object in a stack file). */
  readonly value: unknown;
}

export function authgentSecretLeaves(block: unknown, prefix = "authgent"): SecretLeaf[] {
  if (!isRecord(block)) return [];
  const leaves: SecretLeaf[] = [];
  if (block["signingKey"] !== undefined) leaves.push({ path: `${prefix}.signingKey`, value: block["signingKey"] });
  for (const group of ["dockerTls", "secretEnv"] as const) {
    const entries = block[group];
    if (!isRecord(entries)) continue;
    for (const [name, value] of Object.entries(entries)) leaves.push({ path: `${prefix}.${group}.${name}`, value });
  }
  return leaves;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
