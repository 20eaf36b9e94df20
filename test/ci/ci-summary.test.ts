/** `.ci/summary.mjs`, the last step of `.ci/run`: a skipped test fails CI like a failed one. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { runCommand } from "../../scripts/lib/run-command.ts";

const dir = await mkdtemp(join(tmpdir(), "ci-summary-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A vitest JSON report (the fields .ci/summary.mjs reads) with one file of these statuses. */
async function summarize(statuses: readonly string[]): Promise<{ code: number; stdout: string }> {
  const report = {
    numTotalTests: statuses.length,
    numPassedTests: statuses.filter((s) => s === "passed").length,
    numFailedTests: statuses.filter((s) => s === "failed").length,
    testResults: [{ assertionResults: statuses.map((status, i) => ({ status, fullName: `suite test ${i}` })) }],
  };
  const file = join(dir, `${statuses.join("-") || "empty"}.json`);
  await writeFile(file, JSON.stringify(report));
  return runCommand(process.execPath, [join(REPO_ROOT, ".ci/summary.mjs"), file]);
}

describe(".ci/summary.mjs", () => {
  it("passes a run where every test passed", async () => {
    expect(await summarize(["passed", "passed"])).toMatchObject({ code: 0, stdout: "2 passed, 0 failed, 0 skipped\n" });
  });

  it.for([["failed"], ["pending"], ["skipped"], ["todo"]])("fails a run with a %s test, and names a skipped one", async ([status]) => {
    const result = await summarize(["passed", status ?? ""]);
    expect(result.code).toBe(1);
    if (status !== "failed") expect(result.stdout).toContain("skipped in CI: suite test 1");
  });

  it("fails a run in which no test ran", async () => {
    expect((await summarize([])).code).toBe(1);
  });
});
