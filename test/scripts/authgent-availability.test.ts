/**
 * The only way the real-Authgent suites are skipped: Python >= 3.11 missing on
 * a developer's machine. In CI the same condition must fail the run, and any
 * other setup failure must fail everywhere.
 */
import { describe, expect, it } from "vitest";
import { AuthgentSetupError } from "../../scripts/lib/authgent/errors.ts";
import type { AuthgentVenv } from "../../scripts/lib/authgent/venv.ts";
import { authgentAvailability } from "../support/authgent/availability.ts";

const pythonMissing = (): Promise<AuthgentVenv> => Promise.reject(new AuthgentSetupError("ERR_PYTHON_MISSING", "Python >= 3.11 not found"));

describe("authgentAvailability", () => {
  it.each(["true", "1", "yes"])("fails the run in CI (CI=%s) when Python is missing, instead of skipping", async (ci) => {
    await expect(authgentAvailability({ CI: ci }, pythonMissing)).rejects.toMatchObject({ code: "ERR_PYTHON_MISSING" });
  });

  it.each([undefined, "", "false", "0"])("reports the suite as not run outside CI (CI=%s), naming why", async (ci) => {
    expect(await authgentAvailability(ci === undefined ? {} : { CI: ci }, pythonMissing)).toEqual({
      available: false,
      reason: "Python >= 3.11 not found",
    });
  });

  it("fails outside CI too when the setup fails for any other reason", async () => {
    const broken = (): Promise<AuthgentVenv> => Promise.reject(new Error("pip install failed"));
    await expect(authgentAvailability({}, broken)).rejects.toThrow("pip install failed");
  });
});
