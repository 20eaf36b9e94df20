/**
 * Machine clients against the real Authgent: client_credentials (RFC 6749
 * §4.4) with and without RFC 8707 `resource`, RFC 8693 token exchange, and
 * isolation between clients. The bundled worker in workerd verifies every
 * token; the official MCP SDK client drives it.
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SCOPES } from "../../worker/bindings.ts";
import { connectClient, postMcp, textOf } from "../e2e/support/harness.ts";
import type { RegisteredClient } from "../support/authgent/client.ts";
import { describeWithAuthgent, useAuthgent } from "../support/authgent/use-authgent.ts";
import { startAuthgentWorker, type AuthgentWorker } from "../support/authgent/worker.ts";

const BOTH = `${SCOPES.read} ${SCOPES.write}`;
const EXCHANGE = ["client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"];

interface Identity {
  identity: { sub: string; client_id: string | null; scope: string; act: string[] };
  data: Record<string, string>;
}

describeWithAuthgent("client_credentials and token exchange against authgent-server", () => {
  const authgent = useAuthgent();
  let mcp: AuthgentWorker;
  beforeAll(async () => {
    mcp = await startAuthgentWorker(authgent.server.issuer);
  });
  afterAll(async () => {
    await mcp?.dispose();
  });

  async function tokenFor(client: RegisteredClient, scope = BOTH): Promise<string> {
    return (await authgent.server.clientCredentialsToken({ client, resource: mcp.audience, scope })).access_token;
  }

  async function call(token: string, name: string, args: Record<string, unknown>): Promise<string> {
    const { client } = await connectClient(mcp.mcpUrl, token);
    try {
      return textOf(await client.callTool({ name, arguments: args }));
    } finally {
      await client.close();
    }
  }

  it("accepts a token requested with resource = the worker's audience: tools/call works over the SDK client", async () => {
    const app = await authgent.server.registerClient({ client_name: "cc-app", scope: BOTH });
    const token = await tokenFor(app);
    expect(decodeJwt(token)).toMatchObject({ aud: mcp.audience, sub: `client:${app.client_id}` });
    expect(await call(token, "hello", { name: "Authgent" })).toBe(`Hello, Authgent! (user: client:${app.client_id})`);
    await call(token, "write_data", { key: "k", value: "from-cc" });
    const me = JSON.parse(await call(token, "get_data", {})) as Identity;
    expect(me).toEqual({
      identity: { sub: `client:${app.client_id}`, client_id: app.client_id, scope: BOTH, act: [] },
      data: { k: "from-cc" },
    });
  });

  it("refuses a token requested without resource (aud = Authgent's own URL) and logs why, without the token", async () => {
    const app = await authgent.server.registerClient({ client_name: "cc-no-resource", scope: BOTH });
    const { access_token: token } = await authgent.server.clientCredentialsToken({ client: app, scope: BOTH });
    expect(decodeJwt(token).aud).toBe(authgent.server.issuer);
    const response = await postMcp(mcp.mcpUrl, token, "tools/list");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // The client is told which check failed, not the internals.
    expect(await response.text()).not.toContain(authgent.server.issuer);
    const logs = await mcp.waitForLog((text) => text.includes("aud is the issuer's own URL"));
    const line = logs.split("\n").find((text) => text.includes("aud is the issuer's own URL")) ?? "";
    expect(line).toContain("token rejected (ERR_TOKEN_CLAIM_INVALID)");
    expect(line).toContain(`without resource=${mcp.audience}`);
    // Neither the token nor its signature (the secret part) appears anywhere in the log.
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split(".")[2]);
  });

  it("accepts an RFC 8693 exchanged token whose aud matches: the act chain reaches the tool and the log", async () => {
    const owner = await authgent.server.registerClient({ client_name: "owner", scope: BOTH });
    const agent = await authgent.server.registerClient({ client_name: "agent", scope: BOTH, grant_types: EXCHANGE });
    const ownerToken = await tokenFor(owner);
    await call(ownerToken, "write_data", { key: "shared-with-agent", value: "owner's" });

    const { access_token: delegated } = await authgent.server.exchangeToken({
      actor: agent,
      subjectToken: ownerToken,
      resource: mcp.audience,
      scope: SCOPES.read,
    });
    expect(decodeJwt(delegated)).toMatchObject({ sub: `client:${owner.client_id}`, act: { sub: `client:${agent.client_id}` } });
    const seen = JSON.parse(await call(delegated, "get_data", {})) as Identity;
    // The agent acts for the owner: the owner's data, and the tool sees who is acting.
    expect(seen.identity).toEqual({ sub: `client:${owner.client_id}`, client_id: agent.client_id, scope: SCOPES.read, act: [`client:${agent.client_id}`] });
    expect(seen.data).toMatchObject({ "shared-with-agent": "owner's" });
    await mcp.waitForLog((text) =>
      text.includes(`delegated tools/call get_data: sub "client:${owner.client_id}" via act "client:${agent.client_id}"`),
    );
  });

  it("carries a two-step delegation chain, current actor first", async () => {
    const owner = await authgent.server.registerClient({ client_name: "owner-2", scope: BOTH });
    const first = await authgent.server.registerClient({ client_name: "agent-1", scope: BOTH, grant_types: EXCHANGE });
    const second = await authgent.server.registerClient({ client_name: "agent-2", scope: BOTH, grant_types: EXCHANGE });
    const hop1 = await authgent.server.exchangeToken({ actor: first, subjectToken: await tokenFor(owner), resource: mcp.audience, scope: SCOPES.read });
    const hop2 = await authgent.server.exchangeToken({ actor: second, subjectToken: hop1.access_token, resource: mcp.audience, scope: SCOPES.read });
    const seen = JSON.parse(await call(hop2.access_token, "get_data", {})) as Identity;
    expect(seen.identity.act).toEqual([`client:${second.client_id}`, `client:${first.client_id}`]);
    expect(seen.identity.sub).toBe(`client:${owner.client_id}`);
  });

  it("refuses an exchanged token minted for another audience", async () => {
    const owner = await authgent.server.registerClient({ client_name: "owner-3", scope: BOTH });
    const agent = await authgent.server.registerClient({ client_name: "agent-3", scope: BOTH, grant_types: EXCHANGE });
    const elsewhere = "http://127.0.0.1:1/mcp";
    const { access_token: delegated } = await authgent.server.exchangeToken({
      actor: agent,
      subjectToken: await tokenFor(owner),
      resource: elsewhere,
      scope: SCOPES.read,
    });
    expect(decodeJwt(delegated).aud).toBe(elsewhere);
    expect((await postMcp(mcp.mcpUrl, delegated, "tools/list")).status).toBe(401);
    await mcp.waitForLog((text) => text.includes(`aud "${elsewhere}" does not list this resource`));
  });

  it("keeps two clients' data apart: same key, each reads only its own", async () => {
    const one = await authgent.server.registerClient({ client_name: "iso-1", scope: BOTH });
    const two = await authgent.server.registerClient({ client_name: "iso-2", scope: BOTH });
    const [tokenOne, tokenTwo] = await Promise.all([tokenFor(one), tokenFor(two)]);
    await call(tokenOne, "write_data", { key: "secret", value: "one" });
    await call(tokenTwo, "write_data", { key: "secret", value: "two" });
    expect((JSON.parse(await call(tokenOne, "get_data", {})) as Identity).data).toEqual({ secret: "one" });
    expect((JSON.parse(await call(tokenTwo, "get_data", {})) as Identity).data).toEqual({ secret: "two" });
  });
});
