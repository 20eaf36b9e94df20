/**
 * Example server: private notes in D1, reads cached in KV, each user's notes
 * keyed by their verified identity. Its manifest (`./manifest.ts`) declares
 * the database and the namespace; `npm start -- --stack example --server notes-mcp`
 * runs it with local ones (docs/local-development.md).
 */
import { defineMcpServer } from "../../worker/kit/index.ts";
import { manifest } from "./manifest.ts";
import { noteTemplate, recentNotes, summarizeNotes } from "./resources.ts";
import { NOTE_TOOLS } from "./tools.ts";

const server = defineMcpServer({
  manifest,
  name: "notes",
  version: "1.0.0",
  instructions:
    "Private notes of the signed-in user. create_note saves one, list_notes finds them, get_note reads one, update_note and delete_note change them; notes://recent lists them and notes://{id} reads one.",
  tools: NOTE_TOOLS,
  resources: [recentNotes],
  resourceTemplates: [noteTemplate],
  prompts: [summarizeNotes],
});

export default server.worker;
export const { AuthgentMCPAgent } = server;
