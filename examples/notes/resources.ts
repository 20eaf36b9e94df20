/**
 * The notes server's resources and prompt: `notes://recent` lists the
 * caller's newest notes, `notes://{id}` reads one (its id completes), and
 * `summarize_notes` embeds notes in a prompt for the model to summarize.
 */
import type { GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import type { PromptDefinition, ResourceDefinition, ResourceTemplateDefinition } from "../../worker/kit/index.ts";
import { notesOf } from "./context.ts";
import type { NotesEnv } from "./env.ts";
import { NOTE_LIMITS, NOTE_SCOPES } from "./limits.ts";
import type { Note } from "./store.ts";

export const RECENT_URI = "notes://recent";
export const NOTE_URI_TEMPLATE = "notes://{id}";

export function noteUri(id: string): string {
  return `notes://${encodeURIComponent(id)}`;
}

/** A note as Markdown: its title as the heading, then the text. */
export function noteMarkdown(note: Note): string {
  return `# ${note.title}\n\n${note.body}`;
}

export const recentNotes: ResourceDefinition<NotesEnv> = {
  uri: RECENT_URI,
  name: "recent-notes",
  title: "Your recent notes",
  description: `Your ${NOTE_LIMITS.listMax} newest notes: id, title, last change (JSON).`,
  mimeType: "application/json",
  scope: NOTE_SCOPES.read,
  read: async (uri, context) => {
    const notes = await notesOf(context).list({ limit: NOTE_LIMITS.listMax });
    return [{ uri, mimeType: "application/json", text: JSON.stringify({ notes: notes.map((n) => ({ ...n, uri: noteUri(n.id) })) }) }];
  },
};

export const noteTemplate: ResourceTemplateDefinition<NotesEnv> = {
  uriTemplate: NOTE_URI_TEMPLATE,
  name: "note",
  title: "One of your notes",
  description: "A note by id, as Markdown.",
  mimeType: "text/markdown",
  scope: NOTE_SCOPES.read,
  complete: { id: (prefix, { handler }) => notesOf(handler).idsStartingWith(prefix) },
  read: async (uri, { id }, context) => {
    // An unknown id (or another user's) reads as no contents, like the kit's own example.
    const note = id === undefined ? undefined : await notesOf(context).get(id);
    return note ? [{ uri, mimeType: "text/markdown", text: noteMarkdown(note) }] : [];
  },
};

export const summarizeNotes: PromptDefinition<NotesEnv> = {
  name: "summarize_notes",
  title: "Summarize notes",
  description: `Summarize one note, or your ${NOTE_LIMITS.promptNotes} newest when no id is given.`,
  arguments: [{ name: "id", description: "The note to summarize (completes from your note ids)", required: false }],
  scope: NOTE_SCOPES.read,
  complete: { id: (prefix, { handler }) => notesOf(handler).idsStartingWith(prefix) },
  get: async ({ id }, context) => {
    const store = notesOf(context);
    const notes: Note[] = [];
    if (id !== undefined) {
      const note = await store.get(id);
      if (note) notes.push(note);
    } else {
      for (const summary of await store.list({ limit: NOTE_LIMITS.promptNotes })) {
        const note = await store.get(summary.id);
        if (note) notes.push(note);
      }
    }
    const ask =
      notes.length === 0
        ? id === undefined
          ? "I have no notes yet. Tell me how create_note can help me start."
          : `There is no note with id ${JSON.stringify(id)}. Tell me to check its id with list_notes.`
        : `Summarize ${notes.length === 1 ? "this note" : `these ${notes.length} notes`} in a few bullet points, keeping names, dates and decisions.`;
    const messages: GetPromptResult["messages"] = [
      { role: "user", content: { type: "text", text: ask } },
      // MCP "Prompts": embedded resources carry the notes themselves, each with the URI it can be re-read at.
      ...notes.map((note) => ({ role: "user" as const, content: { type: "resource" as const, resource: { uri: noteUri(note.id), mimeType: "text/markdown", text: noteMarkdown(note) } } })),
    ];
    return { description: notes.length === 1 ? `Summary of "${notes[0]?.title}"` : "Summary of your notes", messages };
  },
};
