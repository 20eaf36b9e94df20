import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commentMarker, MAX_PLAN_CHARS, parsePrNumber, planCommentBody, readPlans } from "../../.github/scripts/offline-plan-comment.mjs";

describe("offline plan comment", () => {
  it("starts with the per-stack marker so the next run edits instead of re-posting", () => {
    const body = planCommentBody({ stack: "staging", exitCode: 0, output: "plan" });
    expect(body.startsWith(commentMarker("staging"))).toBe(true);
    expect(body).not.toContain(commentMarker("production"));
  });

  it("shows a failed plan expanded and marked as failed", () => {
    const body = planCommentBody({ stack: "production", exitCode: 2, output: "servers[0].audience must be https" });
    expect(body).toContain("❌ failed");
    expect(body).toContain("<details open>");
    expect(body).toContain("servers[0].audience must be https");
  });

  it("keeps backticks in the plan from closing the code fence early", () => {
    const body = planCommentBody({ stack: "staging", exitCode: 0, output: "a ```` b" });
    expect(body).toContain("`````text\na ```` b\n`````");
  });

  it("truncates plans that would exceed GitHub's comment size and says where the rest is", () => {
    const body = planCommentBody({ stack: "staging", exitCode: 0, output: "x".repeat(MAX_PLAN_CHARS + 10_000) });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain("offline-plan-staging");
  });

  it.each(["12abc", "0", "-3", "", "1; rm -rf /", "99999999999"])("rejects %j as a pull request number", (text) => {
    expect(() => parsePrNumber(text)).toThrow(/not a pull request number/);
  });

  it("reads every stack's plan and exit code and ignores unexpected files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plan-"));
    await writeFile(join(dir, "pr-number"), "42\n");
    await writeFile(join(dir, "staging.txt"), "ok");
    await writeFile(join(dir, "staging.exit"), "0\n");
    await writeFile(join(dir, "production.txt"), "bad");
    await writeFile(join(dir, "production.exit"), "not a number");
    await writeFile(join(dir, "notes.md"), "ignored");
    expect(await readPlans(dir)).toEqual({
      prNumber: 42,
      plans: [
        { stack: "production", output: "bad", exitCode: 1 },
        { stack: "staging", output: "ok", exitCode: 0 },
      ],
    });
  });
});
