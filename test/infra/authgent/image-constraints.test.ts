/** The image the stack builds installs exactly what the interop tests run against. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { AUTHGENT_SERVER_VERSION } from "../../../infra/authgent/server-release.ts";
import { AUTHGENT_CONSTRAINTS_FILE, AUTHGENT_SERVER_VERSION as TESTED_VERSION } from "../../support/authgent/version.ts";

async function pins(file: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    const match = /^([A-Za-z0-9._-]+)==(\S+)$/.exec(line.trim());
    if (match) out.set(match[1]!.toLowerCase().replace(/[._]/g, "-"), match[2]!);
  }
  return out;
}

describe("the deployed authgent-server", () => {
  it("is the release the interop suite tests", () => {
    expect(AUTHGENT_SERVER_VERSION).toBe(TESTED_VERSION);
  });

  it("installs every dependency at the version the interop venv runs, plus asyncpg for Postgres", async () => {
    const image = await pins(new URL("../../../infra/authgent/image-constraints.txt", import.meta.url).pathname);
    const tested = await pins(AUTHGENT_CONSTRAINTS_FILE);
    expect(tested.size).toBeGreaterThan(20);
    expect(image.get("authgent-server")).toBe(AUTHGENT_SERVER_VERSION);
    const { asyncpg, ...rest } = Object.fromEntries(image);
    expect(asyncpg).toMatch(/^\d+\.\d+\.\d+$/);
    expect(rest).toEqual(Object.fromEntries(tested));
  });
});
