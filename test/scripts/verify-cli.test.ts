/** The `npm run verify` command line: exit codes, table, stack outputs, and the Pulumi-CLI-missing path. */
import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ADMIN_SECRET_HEADER } from "../../scripts/lib/local-issuer.ts";
import { startLocalWorker, type LocalWorker } from "../../scripts/lib/local-worker.ts";
import { exitCodeOf, fail, formatTable, pass, skip } from "../../scripts/lib/verify-report.ts";
import { PulumiCliMissingError, readStackOutputs, runCommand, targetsFromOutputs } from "../../scripts/lib/verify-stack.ts";
import { parseTarget } from "../../scripts/lib/verify-target.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function verifyCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/verify.ts", ...args],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe("npm run verify (command line)", () => {
  const devIssuer = inject("devIssuer");
  let worker: LocalWorker;
  beforeAll(async () => {
    const port = await freePort();
    worker = await startLocalWorker({ port, vars: { AUTHGENT_ISSUER: devIssuer, MCP_AUDIENCE: `http://127.0.0.1:${port}` } });
  });
  afterAll(() => worker.dispose());

  it("prints the table and exits 0 for a healthy deployment, reading the token from MCP_VERIFY_TOKEN without echoing it", async () => {
    const res = await fetch(`${inject("issuerOrigin")}/__admin/mint`, {
      method: "POST",
      headers: { "content-type": "application/json", [ADMIN_SECRET_HEADER]: inject("issuerAdminSecret") },
      body: JSON.stringify({ audience: worker.url }),
    });
    const { token } = (await res.json()) as { token: string };
    const run = await verifyCli([`${worker.url}/mcp`], { MCP_VERIFY_TOKEN: token });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASS\s+mcp-tools-list\s/m);
    expect(run.stdout).toContain("11 passed, 0 failed, 0 skipped");
    expect(run.stdout + run.stderr).not.toContain(token);
  });

  it("exits 1 and shows the failing row when the deployment is wrong", async () => {
    const run = await verifyCli([worker.url, "--resource", "https://mcp.yourcompany.com"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL\s+prm\s/m);
  });

  it("exits 2 with usage for a URL and --stack together", async () => {
    const run = await verifyCli([worker.url, "--stack", "staging"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`got both an MCP URL (${worker.url}) and --stack staging: give one of them`);
    expect(run.stderr).toContain("Usage: npm run verify");
  });

  it("exits 2 naming the fix when --stack is used without the Pulumi CLI", async () => {
    const run = await verifyCli(["--stack", "staging"], { PATH: dirname(process.execPath) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--stack needs the Pulumi CLI, which is not on PATH");
  });
});

describe("stack outputs", () => {
  it("reads them with `pulumi stack output --json` and never asks for secrets", async () => {
    const calls: [string, readonly string[]][] = [];
    const outputs = await readStackOutputs("production", async (file, args) => {
      calls.push([file, args]);
      return '{"servers":{}}';
    });
    expect(calls).toEqual([["pulumi", ["stack", "output", "--json", "--stack", "production"]]]);
    expect(outputs).toEqual({ servers: {} });
  });

  it("turns a missing CLI into PulumiCliMissingError", async () => {
    const original = process.env.PATH;
    process.env.PATH = dirname(process.execPath);
    try {
      await expect(runCommand("pulumi", ["version"])).rejects.toBeInstanceOf(PulumiCliMissingError);
    } finally {
      process.env.PATH = original;
    }
  });

  it("makes one target per server of the program's servers output, expecting its url as the resource", () => {
    const targets = targetsFromOutputs("production", {
      servers: {
        "my-mcp-server": {
          scriptName: "my-mcp-server",
          url: "https://mcp.yourcompany.com",
          prmUrl: "https://mcp.yourcompany.com/.well-known/oauth-protected-resource",
        },
        billing: { url: "https://billing.example.com/mcp", audience: "https://billing.example.com", issuer: "https://auth.example.com" },
      },
    });
    expect(targets.map((t) => [t.label, t.mcpUrl.href, t.expectedResource, t.expectedIssuer])).toEqual([
      ["my-mcp-server", "https://mcp.yourcompany.com/mcp", "https://mcp.yourcompany.com", undefined],
      ["billing", "https://billing.example.com/mcp", "https://billing.example.com", "https://auth.example.com"],
    ]);
  });

  it("expects the scopes output (read from the server's code) in the published metadata", () => {
    const [target] = targetsFromOutputs("staging", { servers: { only: { url: "https://mcp-staging.example.com", scopes: ["notes:read", "notes:write"] } } });
    expect(target?.expectedScopes).toEqual(["notes:read", "notes:write"]);
  });

  it("labels nothing for a single-server stack and ignores secret placeholders", () => {
    const [target] = targetsFromOutputs("staging", { servers: { only: { url: "https://mcp-staging.example.com", issuer: "[secret]" } } });
    expect(target).toMatchObject({ label: "", expectedResource: "https://mcp-staging.example.com", expectedIssuer: undefined });
  });

  it("explains what to do when the stack has no servers output", () => {
    expect(() => targetsFromOutputs("staging", {})).toThrow(/no "servers" output; deploy it first \(pulumi up --stack staging\)/);
  });
});

describe("targets and report", () => {
  it.each(["not a url", "ftp://x.example.com", "https://x.example.com/mcp?debug=1", "https://x.example.com/mcp#frag"])("rejects %j as an MCP URL", (raw) => {
    expect(() => parseTarget(raw)).toThrow();
  });

  it("fails the run on any failed row but not on skipped ones", () => {
    expect(exitCodeOf([pass("a", "A", ""), skip("b", "B", "")])).toBe(0);
    expect(exitCodeOf([pass("a", "A", ""), fail("b", "B", "")])).toBe(1);
  });

  it("aligns the table and summarises the counts", () => {
    const table = formatTable([pass("prm", "metadata", "ok"), fail("jwks", "issuer JWKS", "HTTP 500"), skip("mcp-initialize", "MCP", "no token")]);
    expect(table.split("\n")).toEqual([
      "RESULT  CHECK           WHAT         DETAIL",
      "PASS    prm             metadata     ok",
      "FAIL    jwks            issuer JWKS  HTTP 500",
      "SKIP    mcp-initialize  MCP          no token",
      "",
      "1 passed, 1 failed, 1 skipped",
    ]);
  });
});
