/**
 * KV keys of the notes cache: `notes/v1/<sha-256 of owner>/<suffix>`. The
 * owner key can be longer than KV allows in a key (512 bytes) and carries the
 * user's `sub`, which has no business in a key listing. Runtime-agnostic (the
 * tests compute the same keys in Node).
 */

/** The KV key prefix of one owner's cache entries. */
export async function cachePrefixOf(owner: string): Promise<string> {
  return `notes/v1/${await sha256Hex(owner)}/`;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
