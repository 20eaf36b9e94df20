/**
 * `npm run conformance` as part of `npm test`: the official MCP conformance
 * suite (every server scenario) against the kit's fixture server in workerd.
 * Every scenario passes except the ones KNOWN_UNSUPPORTED names — and those
 * are reported as unsupported, not as failures — so a regression in any other
 * scenario, or a suite that silently runs fewer scenarios, fails the build.
 */
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { runCommand } from "../../scripts/lib/run-command.ts";
import { KNOWN_UNSUPPORTED } from "../conformance/known-unsupported.ts";

/** Server scenarios of @modelcontextprotocol/conformance 0.1.16 (the pinned devDependency). */
const SERVER_SCENARIOS = 32;

describe("official MCP conformance suite", () => {
  it("passes every server scenario but the known unsupported ones, which it names as such", async () => {
    const result = await runCommand(process.execPath, ["--import", "tsx", "test/conformance/run.ts"], { cwd: REPO_ROOT, timeout: 240_000 });
    const lines = result.stdout.split("\n").filter((line) => /^(PASS|FAIL) {2}/.test(line));
    const failed = lines.filter((line) => line.startsWith("FAIL")).map((line) => line.split(/\s+/)[1]);
    // Every failure is a known one, each explained; nothing else failed.
    expect(failed.sort()).toEqual(Object.keys(KNOWN_UNSUPPORTED).sort());
    for (const line of lines.filter((l) => l.startsWith("FAIL"))) expect(line).toContain("(not supported: ");
    expect(lines).toHaveLength(SERVER_SCENARIOS);
    const passed = SERVER_SCENARIOS - Object.keys(KNOWN_UNSUPPORTED).length;
    expect(result.stdout).toContain(`conformance: ${passed}/${SERVER_SCENARIOS} scenarios passed`);
    expect(result.code, result.stderr).toBe(0);
  }, 300_000);
});
