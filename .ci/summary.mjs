// Reads vitest's JSON report and decides the CI run: prints "N passed, N failed, N skipped" and exits 1
// when nothing ran, anything failed, or anything was skipped. A suite that cannot run here (no Python,
// no PostgreSQL) already fails its setup in CI (test/support/prerequisite.ts); this is the backstop, so
// that no skip — `describe.skip`, `context.skip`, `it.todo` — can pass CI silently.
import { readFileSync } from "node:fs";

const report = JSON.parse(readFileSync(process.argv[2], "utf8"));
const skipped = [];
for (const file of report.testResults ?? []) {
  for (const test of file.assertionResults ?? []) {
    if (["pending", "skipped", "todo", "disabled"].includes(test.status)) skipped.push(test.fullName ?? test.title);
  }
}
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped.length} skipped`);
for (const name of skipped.slice(0, 20)) console.log(`skipped in CI: ${name}`);
if (report.numTotalTests === 0 || report.numFailedTests > 0 || skipped.length > 0) process.exit(1);
