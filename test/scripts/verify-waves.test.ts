/** `npm run verify -- --stack <s> --wave <n>`: only the servers that wave's run moved, each pinned to its new version. */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { targetsFromOutputs } from "../../scripts/lib/verify-stack.ts";

/** What `pulumi stack output --json` prints for a stack with three waves and a server without rollout. */
const OUTPUTS = {
  servers: {
    "canary-a": { url: "http://127.0.0.1:9/a", scriptName: "canary-a", versionId: "v-a", wave: 0 },
    "team-a-one": { url: "http://127.0.0.1:9/b", scriptName: "team-a-one", versionId: "v-b", wave: 1 },
    other: { url: "http://127.0.0.1:9/c", scriptName: "other", versionId: "v-c", wave: 2 },
    plain: { url: "http://127.0.0.1:9/d", scriptName: "plain" },
  },
};

const hosts = (wave?: number) => targetsFromOutputs("staging", OUTPUTS, wave === undefined ? {} : { wave }).map((t) => [t.label, t.workerVersion?.versionId ?? null]);

describe("choosing a wave's servers from the stack outputs", () => {
  it("checks only the wave's rollout servers, pinned to their new version", () => {
    expect(hosts(1)).toEqual([["team-a-one", "v-b"]]);
    expect(hosts(2)).toEqual([["other", "v-c"]]);
  });

  it("checks the servers without rollout with wave 0, whose run deployed them", () => {
    expect(hosts(0)).toEqual([
      ["canary-a", "v-a"],
      ["plain", null],
    ]);
  });

  it("checks every server without --wave", () => {
    expect(hosts()).toHaveLength(4);
  });

  it("refuses a wave the stack does not have, and --wave on a stack without waves", () => {
    expect(() => hosts(3)).toThrow("stack staging has no server in wave 3: its waves are 0, 1, 2");
    const flat = { servers: { a: { url: "https://a.example.com", versionId: "v" }, b: { url: "https://b.example.com" } } };
    expect(() => targetsFromOutputs("staging", flat, { wave: 0 })).toThrow('stack staging exports no rollout waves (no server has a "wave" output): its servers ramp together, so drop --wave');
  });
});

describe("npm run verify -- --wave (command line)", () => {
  const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
  writeFileSync(join(bin, "pulumi"), `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(OUTPUTS)}\nEOF\n`);
  chmodSync(join(bin, "pulumi"), 0o755);
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  const verify = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/verify.ts", ...args],
        { env: { PATH: `${bin}:${dirname(process.execPath)}` }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  it("verifies only wave 1's server, pinned, and fails when it does not answer", async () => {
    const run = await verify(["--stack", "staging", "--wave", "1", "--timeout", "500"]);
    expect(run.stdout.split("\n").filter((l) => l.startsWith("verifying"))).toEqual(['verifying http://127.0.0.1:9/b (team-a-one), pinned to version team-a-one="v-b"']);
    expect(run.code).toBe(1);
  });

  it("exits 2 for --wave without --stack, or a wave that is not a number", async () => {
    const alone = await verify(["https://mcp.example.com/mcp", "--wave", "1"]);
    expect([alone.code, alone.stderr]).toEqual([2, expect.stringContaining("--wave goes with --stack")]);
    const word = await verify(["--stack", "staging", "--wave", "first"]);
    expect([word.code, word.stderr]).toEqual([2, expect.stringContaining('--wave must be a wave number (0, 1, …), got "first"')]);
  });
});
