/**
 * The fork pull request's offline-plan job, run for real: its shell steps
 * under bash the way GitHub's runner runs them (`bash -e -o pipefail`), for
 * the committed production stack, which fails validation until an operator
 * stores Authgent's signing key. The reviewer must get the validation message
 * in the PR comment, and the check must still go red.
 */
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planCommentBody, readPlans } from "../../.github/scripts/offline-plan-comment.mjs";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { workflowNamed, type Step } from "./workflow-files.ts";

const job = workflowNamed("Pull request").jobs["plan-fork"]!;
const stepNamed = (name: string): Step => {
  const step = job.steps.find((s) => s.name === name);
  if (!step?.run) throw new Error(`plan-fork has no run step named "${name}"`);
  return step;
};
const render = stepNamed("Render the plan offline");
const failWhenFailed = stepNamed("Fail when the plan failed");

let workspace: string;
let bin: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "fork-plan-"));
  bin = await mkdtemp(join(tmpdir(), "fork-plan-bin-"));
  // The job runs from the checkout; the step's relative output paths stay in the workspace.
  await writeFile(join(bin, "npm"), `#!/bin/sh\ncd "${REPO_ROOT}" && PATH="$ORIGINAL_PATH" exec npm "$@"\n`);
  await chmod(join(bin, "npm"), 0o755);
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
  await rm(bin, { recursive: true, force: true });
});

/** Runs one `run:` step as GitHub's default bash shell does; resolves to its exit code. */
function runStep(step: Step, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step.run ?? ""],
      { cwd: workspace, env: { ...process.env, ...env, ORIGINAL_PATH: process.env["PATH"] ?? "", PATH: `${bin}:${process.env["PATH"] ?? ""}` } },
      (err) => resolve(err ? Number((err as { code?: number }).code ?? 1) : 0),
    );
  });
}

describe("plan-fork job on the committed production stack", () => {
  it("uploads the artifact between rendering and failing, so a failed plan is still posted", () => {
    const index = (predicate: (s: Step) => boolean) => job.steps.findIndex(predicate);
    const upload = index((s) => s.uses?.startsWith("actions/upload-artifact@") ?? false);
    expect(index((s) => s === render)).toBeLessThan(upload);
    expect(upload).toBeLessThan(index((s) => s === failWhenFailed));
  });

  it("records the validation message and exit code, posts them, and then fails the check", async () => {
    const env = { STACK: "production", PR_NUMBER: "7" };
    expect(await runStep(render, env)).toBe(0);
    const dir = join(workspace, "offline-plan");
    expect((await readFile(join(dir, "production.exit"), "utf8")).trim()).toBe("1");

    const { prNumber, plans } = await readPlans(dir);
    expect(prNumber).toBe(7);
    const [plan] = plans;
    expect(plan?.output).toContain("authgent.signingKey is not set");
    expect(plan?.output).toContain("npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.signingKey --stack production");
    expect(plan?.output).not.toContain("    at ");

    const body = planCommentBody({ stack: "production", exitCode: plan?.exitCode ?? 0, output: plan?.output ?? "" });
    expect(body).toContain("❌ failed");
    expect(body).toContain("<details open>");
    expect(body).toContain("authgent.signingKey is not set");

    expect(await runStep(failWhenFailed, env)).toBe(1);
  });
});
