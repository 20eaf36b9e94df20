// Posts (or updates) one PR comment per stack with the offline plan a fork's
// pull request uploaded. Runs from the default branch inside
// actions/github-script; the artifact is untrusted input.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

/** GitHub rejects comment bodies over 65,536 characters; leave room for the wrapper. */
export const MAX_PLAN_CHARS = 60_000;

/** Stack names the PR workflow plans; anything else in the artifact is ignored. */
const STACK_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** Hidden marker that identifies this workflow's comment for one stack. */
export function commentMarker(stack) {
  return `<!-- authgent-edge offline plan: ${stack} -->`;
}

/**
 * Parses the PR number the fork wrote. It is only a claim: the caller must
 * check that the PR's head commit is the commit the run tested.
 */
export function parsePrNumber(text) {
  const trimmed = String(text).trim();
  if (!/^[1-9][0-9]{0,9}$/.test(trimmed)) throw new Error(`artifact pr-number is not a pull request number: ${JSON.stringify(trimmed.slice(0, 40))}`);
  return Number(trimmed);
}

/** The comment body for one stack's plan output. */
export function planCommentBody({ stack, exitCode, output, runUrl }) {
  const ok = exitCode === 0;
  let text = String(output);
  let note = "";
  if (text.length > MAX_PLAN_CHARS) {
    text = text.slice(0, MAX_PLAN_CHARS);
    note = `\n\n_Truncated to ${MAX_PLAN_CHARS} characters; the full plan is in the run's \`offline-plan-${stack}\` artifact._`;
  }
  // A fence longer than any backtick run inside the text cannot be closed early by it.
  const longestRun = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longestRun + 1);
  // `npm run plan` prints "warning: …" lines (e.g. a required secret not stored yet) above the
  // plan; they stay visible outside the collapsed block, still fenced: the output is untrusted.
  const warnings = text.split("\n").filter((line) => line.startsWith("warning: "));
  return [
    commentMarker(stack),
    `### Offline plan: \`${stack}\` ${ok ? "✅" : "❌ failed"}${warnings.length > 0 ? ` ⚠️ ${warnings.length} warning${warnings.length === 1 ? "" : "s"}` : ""}`,
    "",
    "This pull request comes from a fork (no repository secrets), so this is `npm run plan` rendered with Pulumi mocks:",
    "every resource the stack would declare, secrets shown as `[secret]`. A maintainer's `pulumi preview` runs after merge.",
    "",
    ...(warnings.length > 0 ? [fence + "text", ...warnings, fence, ""] : []),
    `<details${ok ? "" : " open"}><summary>npm run plan -- --stack ${stack} (exit ${exitCode})</summary>`,
    "",
    fence + "text",
    text,
    fence,
    "</details>",
    note,
    runUrl ? `\n[workflow run](${runUrl})` : "",
  ].join("\n");
}

/** Reads `<stack>.txt` / `<stack>.exit` pairs and the PR number from the artifact directory. */
export async function readPlans(dir) {
  const names = await readdir(dir);
  const plans = [];
  for (const name of names.sort()) {
    const m = name.match(/^(.+)\.txt$/);
    if (!m || !STACK_NAME.test(m[1])) continue;
    const stack = m[1];
    const output = await readFile(join(dir, name), "utf8");
    const exitText = await readFile(join(dir, `${stack}.exit`), "utf8").catch(() => "1");
    const exitCode = /^\d{1,3}$/.test(exitText.trim()) ? Number(exitText.trim()) : 1;
    plans.push({ stack, output, exitCode });
  }
  return { prNumber: parsePrNumber(await readFile(join(dir, "pr-number"), "utf8")), plans };
}

export async function postOfflinePlanComments({ github, context, core, dir }) {
  const run = context.payload.workflow_run;
  const { prNumber, plans } = await readPlans(dir);
  const { owner, repo } = context.repo;
  const { data: pr } = await github.rest.pulls.get({ owner, repo, pull_number: prNumber });
  // The artifact came from the fork's job: only trust its PR number if that
  // PR's head is exactly the commit this run planned.
  if (pr.head.sha !== run.head_sha) {
    core.setFailed(`pull request #${prNumber} is at ${pr.head.sha}, but the plan was made for ${run.head_sha}; not commenting`);
    return;
  }
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number: prNumber, per_page: 100 });
  for (const plan of plans) {
    const body = planCommentBody({ ...plan, runUrl: run.html_url });
    const previous = comments.find((c) => c.user?.type === "Bot" && c.body?.startsWith(commentMarker(plan.stack)));
    if (previous) await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
    else await github.rest.issues.createComment({ owner, repo, issue_number: prNumber, body });
    core.info(`${previous ? "updated" : "posted"} the ${plan.stack} plan on #${prNumber}`);
  }
}
