/** `npm run plan`: the offline plan as reviewers and CI run it. */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { renderStack } from "../../scripts/lib/offline-plan.ts";
import { committedStackOptions } from "./authgent/stack-files.ts";

const TSX = resolve(REPO_ROOT, "node_modules/.bin/tsx");

function plan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(TSX, ["scripts/plan.ts", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "plan-cli-"));
  await writeFile(
    join(dir, "Pulumi.secret.yaml"),
    [
      "config:",
      "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef",
      "  authgent-edge:defaults: { issuer: https://auth.example.com, zoneId: 0123456789abcdef0123456789abcdef }",
      "  authgent-edge:servers: [ { name: alpha, audience: https://alpha.example.com, customDomain: alpha.example.com, secrets: [UPSTREAM_API_KEY] } ]",
      "  authgent-edge:secrets:",
      "    alpha:",
      "      UPSTREAM_API_KEY:",
      "        secure: v1:ZW5jcnlwdGVk:c2VjcmV0LWNpcGhlcnRleHQ=",
    ].join("\n"),
  );
  await writeFile(
    join(dir, "Pulumi.broken.yaml"),
    ["config:", "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef", "  authgent-edge:defaults: { issuer: https://auth.example.com }", "  authgent-edge:servers: [ { name: alpha, audience: https://alpha.example.com/ , workersDev: true } ]"].join("\n"),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("npm run plan", () => {
  it("prints the documented JSON document, identical to the tests' render", async () => {
    const production = await committedStackOptions("production");
    const result = await plan(["--stack", "production", "--json", ...(production.dir ? ["--config-dir", production.dir] : [])]);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as unknown;
    expect(printed).toEqual((await renderStack("production", production)).plan);
    expect(Object.keys(printed as object)).toEqual(["stack", "resources"]);
  });

  it("prints the same JSON on every run, so two plans can be diffed", async () => {
    const [a, b] = [await plan(["--stack", "staging", "--json"]), await plan(["--stack", "staging", "--json"])];
    expect(a.stdout).toBe(b.stdout);
  });

  it("writes a large fleet's whole plan to a pipe before exiting, and its notes to stderr", async () => {
    const servers = Array.from({ length: 150 }, (_, i) => `{ name: big-${i}, audience: https://big-${i}.example.com, customDomain: big-${i}.example.com }`);
    await writeFile(
      join(dir, "Pulumi.big.yaml"),
      ["config:", "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef", "  authgent-edge:defaults: { issuer: https://auth.example.com, zoneId: 0123456789abcdef0123456789abcdef }", `  authgent-edge:servers: [ ${servers.join(", ")} ]`].join("\n"),
    );
    const result = await plan(["--stack", "big", "--config-dir", dir, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(256 * 1024);
    expect((JSON.parse(result.stdout) as { resources: unknown[] }).resources).toHaveLength(1 + 150 * 4);
    expect(result.stderr).toContain("note: Durable Object migrations up to tag v1 apply with this deploy to big-0, big-1, big-2, big-3, big-4 and 145 more.");
  });

  it("plans against a deployed migration tag when given one", async () => {
    const result = await plan(["--stack", "staging", "--json", "--current-migration-tag", "v1"]);
    const script = (JSON.parse(result.stdout) as { resources: { type: string; inputs: Record<string, unknown> }[] }).resources.find((r) => r.type === "cloudflare:index/workersScript:WorkersScript");
    expect(script?.inputs["migrations"]).toBeUndefined();
  });

  it("needs no secrets provider for secure: values and prints them as [secret]", async () => {
    const result = await plan(["--stack", "secret", "--config-dir", dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"type": "secret_text"');
    expect(result.stdout).toContain('"text": "[secret]"');
    expect(result.stdout).not.toContain("c2VjcmV0LWNpcGhlcnRleHQ=");
  });

  it("exits non-zero with the validation message for a bad stack config", async () => {
    const result = await plan(["--stack", "broken", "--config-dir", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("servers[0].audience must be an https URL without a trailing slash");
    expect(result.stdout).toBe("");
  });

  it("names the command that creates a missing stack, in one line without a stack trace", async () => {
    const result = await plan(["--stack", "nope", "--config-dir", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`npm run plan: no stack file ${join(dir, "Pulumi.nope.yaml")}: create it with \`pulumi stack init nope\``);
  });

  it("plans the committed production stack before its secret key is stored: a placeholder, and a warning on stderr naming the command", async () => {
    const result = await plan(["--stack", "production", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    // Only the warning; `note:` lines are the preview notes (migrations), checked elsewhere.
    expect(result.stderr.trim().split("\n").filter((line) => !line.startsWith("note: "))).toEqual([
      "warning: authgent.secretKey is not set (shown as a placeholder; pulumi preview and up refuse until it is): authgent-server encrypts the signing keys it stores with it " +
        "(AUTHGENT_SECRET_KEY); unset, it is random per process and /token fails after a restart. " +
        "Set it with: npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.secretKey --stack production",
    ]);
    const resources = (JSON.parse(result.stdout) as { resources: { name: string; inputs: Record<string, unknown> }[] }).resources;
    expect(resources.find((r) => r.name === "authgent-container")?.inputs["envs"]).toContain("AUTHGENT_SECRET_KEY=[not set: authgent.secretKey]");
  });

  it("exits 2 with usage when --stack is missing", async () => {
    const result = await plan([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--stack is required");
  });

  it("warns about a server gone since the deploy whose outputs --previous-outputs names, and exits 2 for an unreadable file", async () => {
    const previous = join(dir, "previous-outputs.json");
    const beta = { scriptName: "beta", data: { durableObjects: ["AuthgentMCPAgent"], created: { NOTES_DB: { kind: "d1", name: "beta-notes-db", deleteData: false } }, retired: false } };
    await writeFile(previous, JSON.stringify({ servers: { alpha: { scriptName: "alpha" }, beta } }));
    const result = await plan(["--stack", "secret", "--config-dir", dir, "--previous-outputs", previous]);
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split("\n").filter((line) => line.startsWith("note: warning: server"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("server beta was deployed by this stack and is no longer in servers:");
    expect(warnings[0]).toContain("D1 database beta-notes-db (NOTES_DB)");

    const missing = await plan(["--stack", "secret", "--config-dir", dir, "--previous-outputs", join(dir, "absent.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("pulumi stack output --json");
  });
});
