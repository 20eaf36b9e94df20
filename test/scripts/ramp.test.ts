/**
 * `npm run ramp`: the deploy workflow's order per stack — wave by wave,
 * canary, verify, promote; a failed verify rolls that wave back and stops —
 * and the commands it runs.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RolloutStage } from "../../infra/rollout-schema.ts";
import { childEnv, pulumiUpArgs, runRamp, verifyArgs } from "../../scripts/lib/ramp.ts";

/** Records every step; `verifyFails`/`upFails` name the steps that fail. */
function recorder(fails: { verify?: (number | undefined)[]; up?: string[] } = {}) {
  const calls: string[] = [];
  const lines: string[] = [];
  const label = (wave: number | undefined) => (wave === undefined ? "stack" : `wave ${wave}`);
  return {
    calls,
    lines,
    steps: {
      up: async (stage: RolloutStage, wave: number | undefined) => {
        calls.push(`up ${stage} ${label(wave)}`);
        return !(fails.up ?? []).includes(`${stage} ${label(wave)}`);
      },
      verify: async (wave: number | undefined) => {
        calls.push(`verify ${label(wave)}`);
        return !(fails.verify ?? []).includes(wave);
      },
      log: (line: string) => void lines.push(line),
    },
  };
}

describe("the ramp of one stack", () => {
  it("runs one canary, verify, promote cycle over a stack without waves, with no rolloutWave", async () => {
    const r = recorder();
    expect(await runRamp("staging", 0, r.steps)).toEqual({ ok: true, waves: 1 });
    expect(r.calls).toEqual(["up canary stack", "verify stack", "up promote stack"]);
  });

  it("ramps the waves in order, each verified and promoted before the next moves", async () => {
    const r = recorder();
    expect(await runRamp("production", 3, r.steps)).toEqual({ ok: true, waves: 3 });
    expect(r.calls).toEqual([
      ...["up canary wave 0", "verify wave 0", "up promote wave 0"],
      ...["up canary wave 1", "verify wave 1", "up promote wave 1"],
      ...["up canary wave 2", "verify wave 2", "up promote wave 2"],
    ]);
  });

  it("rolls back only the wave whose verify failed, stops, and says what stays where", async () => {
    const r = recorder({ verify: [1] });
    expect(await runRamp("production", 3, r.steps)).toEqual({ ok: false, wave: 1, failed: "verify", rolledBack: true });
    expect(r.calls).toEqual(["up canary wave 0", "verify wave 0", "up promote wave 0", "up canary wave 1", "verify wave 1", "up rollback wave 1"]);
    expect(r.lines.at(-1)).toBe(
      "::error::npm run verify failed on production wave 1 of 0–2: its new versions were rolled back. Wave 0 stays promoted (it passed its own verify). Wave 2 was not deployed.",
    );
  });

  it("rolls back a stack without waves on a failed verify, like the workflow always did", async () => {
    const r = recorder({ verify: [undefined] });
    expect(await runRamp("staging", 0, r.steps)).toMatchObject({ ok: false, failed: "verify", rolledBack: true });
    expect(r.calls).toEqual(["up canary stack", "verify stack", "up rollback stack"]);
    expect(r.lines.at(-1)).toBe("::error::npm run verify failed on staging: its new versions were rolled back.");
  });

  it("stops without verifying when a canary pulumi up fails, naming the rollback command", async () => {
    const r = recorder({ up: ["canary wave 0"] });
    expect(await runRamp("staging", 2, r.steps)).toEqual({ ok: false, wave: 0, failed: "up", rolledBack: false });
    expect(r.calls).toEqual(["up canary wave 0"]);
    expect(r.lines.at(-1)).toContain("pulumi up --stack staging -c authgent-edge:rolloutStage=rollback -c authgent-edge:rolloutWave=0");
  });

  it("reports a rollback that failed too", async () => {
    const r = recorder({ verify: [0], up: ["rollback wave 0"] });
    expect(await runRamp("staging", 1, r.steps)).toEqual({ ok: false, wave: 0, failed: "verify", rolledBack: false });
    expect(r.lines.at(-1)).toContain("and the rollback failed too: its new versions still serve their canary share");
  });
});

describe("the commands of a step", () => {
  it("passes the stage, the wave and the policy pack to pulumi up", () => {
    expect(pulumiUpArgs("staging", "canary", 2, { policyPack: "dist/policy", policyPackConfig: "infra/policy/config/staging.json" })).toEqual([
      ...["up", "--yes", "--diff", "--stack", "staging"],
      ...["--policy-pack", "dist/policy", "--policy-pack-config", "infra/policy/config/staging.json"],
      ...["--config", "authgent-edge:rolloutStage=canary", "--config", "authgent-edge:rolloutWave=2"],
    ]);
    expect(pulumiUpArgs("staging", "promote", undefined)).toEqual(["up", "--yes", "--diff", "--stack", "staging", "--config", "authgent-edge:rolloutStage=promote"]);
    expect(verifyArgs("staging", 1)).toEqual(["run", "verify", "--", "--stack", "staging", "--wave", "1"]);
    expect(verifyArgs("staging", undefined)).toEqual(["run", "verify", "--", "--stack", "staging"]);
  });

  it("keeps the verify token from pulumi and the Cloudflare token from verify", () => {
    const env = { PATH: "/bin", MCP_VERIFY_TOKEN: "t", CLOUDFLARE_API_TOKEN: "c" };
    expect(childEnv(env, "pulumi")).toEqual({ PATH: "/bin", CLOUDFLARE_API_TOKEN: "c" });
    expect(childEnv(env, "verify")).toEqual({ PATH: "/bin", MCP_VERIFY_TOKEN: "t" });
    expect(env).toHaveProperty("MCP_VERIFY_TOKEN");
  });
});

describe("npm run ramp (command line)", () => {
  const bin = mkdtempSync(join(tmpdir(), "fake-ramp-"));
  const log = join(bin, "calls.log");
  // Stand-ins that log their arguments and which tokens they were given; verify fails.
  const script = (name: string, code: number) =>
    `#!/bin/sh\necho "${name} $* token=\${MCP_VERIFY_TOKEN:-none} cf=\${CLOUDFLARE_API_TOKEN:-none}" >> ${log}\nexit ${code}\n`;
  writeFileSync(join(bin, "pulumi"), script("pulumi", 0));
  writeFileSync(join(bin, "npm"), script("npm", 1));
  chmodSync(join(bin, "pulumi"), 0o755);
  chmodSync(join(bin, "npm"), 0o755);
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  const ramp = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/ramp.ts", ...args],
        { env: { PATH: `${bin}:${dirname(process.execPath)}`, MCP_VERIFY_TOKEN: "verify-token", CLOUDFLARE_API_TOKEN: "cf-token" }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  it("ramps the staging stack (no waves) once: canary up, verify, and on failure the rollback, exiting 1", async () => {
    const run = await ramp(["--stack", "staging", "--policy-pack", "dist/policy", "--policy-pack-config", "infra/policy/config/staging.json"]);
    expect(run.code).toBe(1);
    const policy = "--policy-pack dist/policy --policy-pack-config infra/policy/config/staging.json";
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual([
      `pulumi up --yes --diff --stack staging ${policy} --config authgent-edge:rolloutStage=canary token=none cf=cf-token`,
      "npm run verify -- --stack staging token=verify-token cf=none",
      `pulumi up --yes --diff --stack staging ${policy} --config authgent-edge:rolloutStage=rollback token=none cf=cf-token`,
    ]);
    expect(run.stdout).toContain("::error::npm run verify failed on staging: its new versions were rolled back.");
  });

  it("exits 2 with usage without --stack", async () => {
    const run = await ramp([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--stack <name> is required");
  });
});
