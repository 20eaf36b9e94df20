/**
 * The fork pull request's offline-plan job, run for real: its shell steps
 * under bash the way GitHub's runner runs them (`bash -e -o pipefail`): the
 * committed production stack plans out of the box (Authgent's secret key,
 * not stored yet, as a placeholder with a warning the reviewer sees in the PR
 * comment); a broken stack config still fails the check with its message.
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

  it("plans the committed production stack, posts it with the secret-key warning in view, and passes the check", async () => {
    const env = { STACK: "production", PR_NUMBER: "7" };
    expect(await runStep(render, env)).toBe(0);
    const dir = join(workspace, "offline-plan");
    expect((await readFile(join(dir, "production.exit"), "utf8")).trim()).toBe("0");

    const { prNumber, plans } = await readPlans(dir);
    expect(prNumber).toBe(7);
    const plan = plans.find((p) => p.stack === "production");
    expect(plan?.output).toContain("Stack production:");
    expect(plan?.output).toContain('"AUTHGENT_SECRET_KEY=[not set: authgent.secretKey]"');
    const warning =
      "warning: authgent.secretKey is not set (shown as a placeholder; pulumi preview and up refuse until it is)";
    expect(plan?.output).toContain(warning);

    const body = planCommentBody({ stack: "production", exitCode: plan?.exitCode ?? 1, output: plan?.output ?? "" });
    expect(body).toContain("✅ ⚠️ 1 warning");
    // The warning sits above the collapsed plan, with the command that fixes it.
    expect(body.indexOf(warning)).toBeLessThan(body.indexOf("<details>"));
    expect(body).toContain("npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.secretKey --stack production");

    expect(await runStep(failWhenFailed, env)).toBe(0);
  });

  it("records a broken stack's validation message, posts it open, and fails the check", async () => {
    const broken = await mkdtemp(join(tmpdir(), "fork-plan-broken-"));
    try {
      await writeFile(
        join(broken, "Pulumi.broken.yaml"),
        ["config:", "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef", "  authgent-edge:defaults: { issuer: https://auth.example.com }", "  authgent-edge:servers: [ { name: alpha, audience: https://alpha.example.com/ } ]"].join("\n"),
      );
      // The step's own command, pointed at the broken stack file.
      const step: Step = { ...render, run: (render.run ?? "").replace('--stack "$STACK"', `--stack "$STACK" --config-dir ${broken}`) };
      expect(step.run).toContain(`--config-dir ${broken}`);
      const env = { STACK: "broken", PR_NUMBER: "7" };
      expect(await runStep(step, env)).toBe(0);
      const { plans } = await readPlans(join(workspace, "offline-plan"));
      const plan = plans.find((p) => p.stack === "broken");
      expect(plan?.exitCode).toBe(1);
      expect(plan?.output).toContain("servers[0].audience must be an https URL without a trailing slash");
      expect(plan?.output).not.toContain("    at ");
      const body = planCommentBody({ stack: "broken", exitCode: plan?.exitCode ?? 0, output: plan?.output ?? "" });
      expect(body).toContain("❌ failed");
      expect(body).toContain("<details open>");
      expect(await runStep(failWhenFailed, env)).toBe(1);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
