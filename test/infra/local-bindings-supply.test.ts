/**
 * `npm start -- --stack`: a server's manifest bindings as its stack supplies
 * them, resolved like the preview resolves them; secrets left to the local
 * secrets file.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackConfigError } from "../../infra/config.ts";
import { resolveLocalBindings } from "../../infra/local-run.ts";
import { manifest as backendManifest } from "../../examples/backend-caller/manifest.ts";
import { manifest as notesManifest } from "../../examples/notes/manifest.ts";

const STACK = `config:
  authgent-edge:accountId: 0123456789abcdef0123456789abcdef
  authgent-edge:defaults:
    issuer: https://auth.example.com
    zoneId: 0123456789abcdef0123456789abcdef
  authgent-edge:servers:
    - name: notes-mcp
      source: examples/notes/server.ts
      audience: https://notes.example.com
      customDomain: notes.example.com
      bindings:
        NOTES_DB: { create: { name: team-notes } }
        NOTES_CACHE: { id: 0123456789abcdef0123456789abcdef }
    - name: backend-mcp
      source: examples/backend-caller/server.ts
      audience: https://backend.example.com
      customDomain: backend.example.com
      bindings:
        BACKEND: { service: crm-api }
        BACKEND_TIMEOUT_MS: { value: "2500" }
    - name: broken-mcp
      source: examples/notes/server.ts
      audience: https://broken.example.com
      customDomain: broken.example.com
      bindings:
        NOTES_DB: { create: {} }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-supply-"));
  await writeFile(join(dir, "Pulumi.local.yaml"), STACK);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("resolveLocalBindings", () => {
  it("names each resource as the stack creates or references it (created name, or the referenced id)", async () => {
    const supply = await resolveLocalBindings({ stack: "local", server: "notes-mcp" }, notesManifest, { dir });
    expect(supply).toEqual({ vars: {}, resourceNames: { NOTES_DB: "team-notes", NOTES_CACHE: "0123456789abcdef0123456789abcdef" }, serviceScripts: {} });
  });

  it("gives vars their stack values and service bindings their deployed script, without needing the stack's secret", async () => {
    const supply = await resolveLocalBindings({ stack: "local", server: "backend-mcp" }, backendManifest, { dir });
    expect(supply).toEqual({ vars: { BACKEND_TIMEOUT_MS: "2500" }, resourceNames: {}, serviceScripts: { BACKEND: "crm-api" } });
  });

  it("refuses a binding the stack does not supply, with the preview's message naming server, binding and fix", async () => {
    const error = await resolveLocalBindings({ stack: "local", server: "broken-mcp" }, notesManifest, { dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as Error).message).toContain("servers[2].bindings.NOTES_CACHE is required: examples/notes/server.ts declares NOTES_CACHE (kv); supply it with");
  });
});
