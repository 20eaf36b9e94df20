/**
 * Result rows of `npm run verify` and their rendering. Every check returns
 * rows; nothing throws past a check, so one broken endpoint never hides the
 * state of the others.
 */

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  /** Stable identifier (`prm`, `as-metadata`, …), prefixed with the server name in stack mode. */
  readonly id: string;
  /** What was checked, for humans. */
  readonly title: string;
  readonly status: CheckStatus;
  /** Why it passed or failed: URLs, statuses, field values. Never tokens or upstream bodies. */
  readonly detail: string;
}

export const pass = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: "pass", detail });
export const fail = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: "fail", detail });
export const skip = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: "skip", detail });

/** Non-zero when any check failed. Skipped checks do not fail the run. */
export function exitCodeOf(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === "fail") ? 1 : 0;
}

const LABEL: Record<CheckStatus, string> = { pass: "PASS", fail: "FAIL", skip: "SKIP" };

/** A plain-text table (no colours: it goes into CI logs and PR comments). */
export function formatTable(results: readonly CheckResult[]): string {
  const rows = results.map((r) => [LABEL[r.status], r.id, r.title, r.detail] as const);
  const header = ["RESULT", "CHECK", "WHAT", "DETAIL"] as const;
  const widths = [0, 1, 2].map((i) => Math.max(header[i]!.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join("  ").trimEnd();
  const failed = results.filter((r) => r.status === "fail").length;
  const skipped = results.filter((r) => r.status === "skip").length;
  const summary = `${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`;
  return [line(header), ...rows.map(line), "", summary].join("\n");
}
