/**
 * `npm start` with a server whose manifest declares bindings: local D1 (with
 * its migrations applied) and KV persisted in the state dir, a service
 * binding to a local Worker given with `--service`, secrets from the local
 * secrets file; and the usage errors (exit 2) that name the choices.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connectClient, freePort, textOf } from "../e2e/support/harness.ts";
import { devHarness, waitForOutput, type DevRun } from "./support/dev-process.ts";

const dev = devHarness("authgent-dev-manifest-");
const { runDev, tempStateDir } = dev;

afterEach(() => dev.cleanup());

async function stop(run: DevRun): Promise<void> {
  run.child.kill("SIGINT");
  await run.exited;
}

describe("npm start -- --source <a server with a manifest>", () => {
  it("runs the notes example on local D1 and KV, applies its migrations once, and keeps notes across restarts", async () => {
    const stateDir = await tempStateDir();
    const port = await freePort();
    // A fixed issuer port: notes belong to iss|sub, and the issuer URL names its port.
    const args = ["--source", "examples/notes/server.ts", "--port", String(port), "--issuer-port", String(await freePort()), "--state-dir", stateDir];
    const first = runDev(args);
    const [, mcpUrl] = await waitForOutput(first, /MCP server:\s+(\S+)/);
    const [, token] = await waitForOutput(first, /export MCP_TOKEN=(\S+)/);
    expect(first.stdout).toContain(`NOTES_DB: local D1 "notes-notes-db" in ${stateDir}/d1/, migrations: 2 applied now, 0 before`);
    expect(first.stdout).toContain(`NOTES_CACHE: local KV "notes-notes-cache" in ${stateDir}/kv/`);
    // The dev token carries the served server's scopes, not the default server's.
    expect(first.stdout).toContain('Dev token (scope "notes:read notes:write"');
    const { client } = await connectClient(new URL(mcpUrl ?? ""), token ?? "");
    const created = await client.callTool({ name: "create_note", arguments: { title: "kept", body: "across restarts" } });
    const id = (created.structuredContent as { note: { id: string } }).note.id;
    await client.close();
    await stop(first);

    const second = runDev(args);
    const [, token2] = await waitForOutput(second, /export MCP_TOKEN=(\S+)/);
    expect(second.stdout).toContain("migrations: 0 applied now, 2 before");
    const again = await connectClient(new URL(mcpUrl ?? ""), token2 ?? "");
    try {
      const read = await again.client.callTool({ name: "get_note", arguments: { id } });
      expect((read.structuredContent as { note: { body: string } }).note.body).toBe("across restarts");
    } finally {
      await again.client.close();
    }
  });

  it("binds BACKEND to the Worker given with --service and shares a generated secret with it, printing neither", async () => {
    const stateDir = await tempStateDir();
    const port = await freePort();
    const run = runDev([
      "--source",
      "examples/backend-caller/server.ts",
      "--service",
      "BACKEND=examples/backend-caller/demo-backend.ts",
      "--port",
      String(port),
      "--issuer-port",
      "0",
      "--state-dir",
      stateDir,
    ]);
    const [, mcpUrl] = await waitForOutput(run, /MCP server:\s+(\S+)/);
    const [, token] = await waitForOutput(run, /export MCP_TOKEN=(\S+)/);
    const secretsFile = join(stateDir, "secrets.env");
    expect(run.stdout).toContain("BACKEND: service binding to the local Worker examples/backend-caller/demo-backend.ts");
    expect(run.stdout).toContain(`BACKEND_TOKEN: secret from ${secretsFile} (a random dev value, generated now)`);
    expect(run.stdout).toContain("BACKEND_TIMEOUT_MS: var bound empty");
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);
    const secret = /^BACKEND_TOKEN=(.+)$/m.exec(await readFile(secretsFile, "utf8"))?.[1] ?? "";
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { client } = await connectClient(new URL(mcpUrl ?? ""), token ?? "");
    try {
      const person = await client.callTool({ name: "lookup_person", arguments: { id: "grace" } });
      expect(person.isError, textOf(person)).toBeFalsy();
      expect(person.structuredContent).toMatchObject({ person: { name: "Grace Hopper" } });
    } finally {
      await client.close();
    }
    await stop(run);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });
});

describe("npm start -- --stack example --server <name>", () => {
  it("runs notes-mcp from its source with the stack's D1 and KV names, its data in <state-dir>/example/notes-mcp/", async () => {
    const stateDir = await tempStateDir();
    const run = runDev(["--stack", "example", "--server", "notes-mcp", "--port", String(await freePort()), "--issuer-port", "0", "--state-dir", stateDir]);
    const [, mcpUrl] = await waitForOutput(run, /MCP server:\s+(\S+)/);
    const [, token] = await waitForOutput(run, /export MCP_TOKEN=(\S+)/);
    const dataDir = join(stateDir, "example", "notes-mcp");
    expect(run.stdout).toContain("Stack example, server notes-mcp (examples/notes/server.ts)");
    expect(run.stdout).toContain(`NOTES_DB: local D1 "notes-mcp-notes-db" in ${dataDir}/d1/, migrations: 2 applied now, 0 before`);
    expect(run.stdout).toContain(`NOTES_CACHE: local KV "notes-mcp-notes-cache" in ${dataDir}/kv/`);
    expect(run.stdout).toContain(`Local data:        ${dataDir}/`);
    const { client } = await connectClient(new URL(mcpUrl ?? ""), token ?? "");
    try {
      const created = await client.callTool({ name: "create_note", arguments: { title: "from the stack", body: "" } });
      expect(created.isError, textOf(created)).toBeFalsy();
      expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(["notes://{id}"]);
    } finally {
      await client.close();
    }
  });

  it("runs a server of the default source (tickets-mcp) as before: no manifest bindings, the kit's scopes", async () => {
    const stateDir = await tempStateDir();
    const run = runDev(["--stack", "example", "--server", "tickets-mcp", "--port", String(await freePort()), "--issuer-port", "0", "--state-dir", stateDir]);
    await waitForOutput(run, /export MCP_TOKEN=(\S+)/);
    expect(run.stdout).toContain("Stack example, server tickets-mcp (worker/index.ts)");
    expect(run.stdout).not.toContain("Local bindings:");
    expect(run.stdout).toContain('Dev token (scope "mcp:read mcp:write"');
    expect(run.stdout).toContain(`Local data:        ${join(stateDir, "example", "tickets-mcp")}/`);
  });

  it("runs backend-mcp with the stack's BACKEND_TIMEOUT_MS and BACKEND wired to the demo backend by --service", async () => {
    const run = runDev([
      "--stack",
      "example",
      "--server",
      "backend-mcp",
      "--service",
      "BACKEND=examples/backend-caller/demo-backend.ts",
      "--port",
      String(await freePort()),
      "--issuer-port",
      "0",
      "--state-dir",
      await tempStateDir(),
    ]);
    const [, mcpUrl] = await waitForOutput(run, /MCP server:\s+(\S+)/);
    const [, token] = await waitForOutput(run, /export MCP_TOKEN=(\S+)/);
    expect(run.stdout).toContain('BACKEND_TIMEOUT_MS: var "5000"');
    expect(run.stdout).toContain("BACKEND: service binding to the local Worker examples/backend-caller/demo-backend.ts (deployed: crm-api)");
    const { client } = await connectClient(new URL(mcpUrl ?? ""), token ?? "");
    try {
      const ticket = await client.callTool({ name: "open_ticket", arguments: { title: "Hello", description: "from npm start" } });
      expect(ticket.isError, textOf(ticket)).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});

describe("usage errors exit 2 and name the choices", () => {
  it.each([
    [
      "a service binding without --service",
      ["--source", "examples/backend-caller/server.ts"],
      "service binding BACKEND has no local Worker to reach; pass --service BACKEND=<worker module>",
    ],
    [
      "--service for a binding the server does not declare",
      ["--source", "examples/backend-caller/server.ts", "--service", "CRM=examples/backend-caller/demo-backend.ts"],
      "--service CRM: server backend-caller declares no service binding CRM; its service bindings: BACKEND",
    ],
    ["a malformed --service", ["--service", "backend"], '--service must be BINDING=<worker module>, e.g. --service BACKEND=examples/backend-caller/demo-backend.ts; got "backend"'],
    ["an unknown --server", ["--stack", "example", "--server", "nope"], 'stack example has no server "nope"; its servers are: tickets-mcp, billing-mcp, docs-search-mcp, notes-mcp, backend-mcp'],
    ["a stack of several servers without --server", ["--stack", "example"], "stack example has 5 servers; pick one with --server <name> (tickets-mcp, billing-mcp, docs-search-mcp, notes-mcp, backend-mcp)"],
    [
      "backend-mcp without --service",
      ["--stack", "example", "--server", "backend-mcp"],
      "server backend-mcp: service binding BACKEND (the Worker crm-api when deployed) has no local Worker to reach; pass --service BACKEND=<worker module>",
    ],
    ["--server without --stack", ["--server", "notes-mcp"], "--server needs --stack <name>"],
  ])("%s", async (_label, args, message) => {
    const run = runDev([...args, "--port", String(await freePort()), "--state-dir", await tempStateDir()]);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Usage: npm start -- [options]");
  });
});
