/** npm start's local secrets file: generated once, kept, mode 600, never echoed in errors. */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DevSecretsError, loadDevSecrets, parseDevSecrets } from "../../scripts/lib/dev-secrets.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dev-secrets-"));
  dirs.push(dir);
  return join(dir, "nested", "secrets.env");
}

describe("loadDevSecrets", () => {
  it("generates a random value per missing secret, writes it with mode 600 and returns the same values next time", async () => {
    const file = await tempFile();
    const first = await loadDevSecrets(file, ["BACKEND_TOKEN", "OTHER"]);
    expect(first.generated).toEqual(["BACKEND_TOKEN", "OTHER"]);
    expect(first.values.BACKEND_TOKEN).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.values.BACKEND_TOKEN).not.toBe(first.values.OTHER);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await loadDevSecrets(file, ["BACKEND_TOKEN", "OTHER"]);
    expect(second.generated).toEqual([]);
    expect(second.values).toEqual(first.values);
  });

  it("keeps values the developer wrote (verbatim, '=' included) and appends only what is missing", async () => {
    const file = await tempFile();
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, "# mine\nBACKEND_TOKEN=real=value with spaces");
    const loaded = await loadDevSecrets(file, ["BACKEND_TOKEN", "NEW_ONE"], () => "generated");
    expect(loaded.values).toEqual({ BACKEND_TOKEN: "real=value with spaces", NEW_ONE: "generated" });
    expect(await readFile(file, "utf8")).toBe("# mine\nBACKEND_TOKEN=real=value with spaces\nNEW_ONE=generated\n");
  });

  it("names the file and line of a malformed line, never its content", () => {
    expect(() => parseDevSecrets("OK=1\nthis is a s3cret\n", "/x/secrets.env")).toThrow(new DevSecretsError("/x/secrets.env:2: expected NAME=value"));
    try {
      parseDevSecrets("this is a s3cret", "f");
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cret");
    }
  });
});
