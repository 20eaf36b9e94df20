/**
 * The notes server's tools. Arguments are declared with zod (converted to JSON
 * Schema once, validated by the kit before a handler runs), so every size
 * bound below is enforced before D1 is touched.
 */
import { z } from "zod";
import { structuredResult, textResult, toolError, toolFor } from "../../worker/kit/index.ts";
import { fromZod } from "../../worker/kit/zod.ts";
import { notesOf } from "./context.ts";
import { NOTE_ID_PATTERN, NOTE_LIMITS, NOTE_SCOPES } from "./limits.ts";
import { manifest } from "./manifest.ts";
import type { Note } from "./store.ts";

/** `tool` whose handlers see the manifest's bindings (`EnvOf<typeof manifest>`). */
const notesTool = toolFor(manifest);

const noteId = z.string().regex(new RegExp(NOTE_ID_PATTERN)).describe("The note's id, as create_note or list_notes gave it");
/** At least one non-space character. */
const title = z.string().min(1).max(NOTE_LIMITS.titleMax).regex(/\S/).describe(`Title, at most ${NOTE_LIMITS.titleMax} characters`);
const body = z.string().max(NOTE_LIMITS.bodyMax).describe(`Text, at most ${NOTE_LIMITS.bodyMax} characters`);

const noteOutput = fromZod(
  z.object({ note: z.object({ id: z.string(), title: z.string(), body: z.string(), createdAt: z.string(), updatedAt: z.string() }) }),
);

function notFound(id: string): ReturnType<typeof toolError> {
  // The same answer for a note of another user: ids must not reveal whose they are.
  return toolError(`No note with id ${id}. list_notes shows your notes and their ids.`);
}

function noteResult(note: Note): ReturnType<typeof structuredResult> {
  return structuredResult({ note });
}

export const createNote = notesTool({
  name: "create_note",
  description: `Save a new private note. Returns it with its id. At most ${NOTE_LIMITS.notesPerUser} notes per user.`,
  inputSchema: fromZod(z.object({ title, body })),
  outputSchema: noteOutput,
  scope: NOTE_SCOPES.write,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handler: async (args, context) => {
    const note = await notesOf(context).create(args.title, args.body);
    if (note === "limit_reached") {
      return toolError(`You already have ${NOTE_LIMITS.notesPerUser} notes, the most one user may keep. Delete some with delete_note first.`);
    }
    return noteResult(note);
  },
});

export const updateNote = notesTool({
  name: "update_note",
  description: "Change the title, the text or both of one of your notes.",
  inputSchema: fromZod(z.object({ id: noteId, title: title.optional(), body: body.optional() })),
  outputSchema: noteOutput,
  scope: NOTE_SCOPES.write,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, context) => {
    if (args.title === undefined && args.body === undefined) return toolError("Nothing to change: give a new title, a new body or both.");
    const note = await notesOf(context).update(args.id, { title: args.title, body: args.body });
    return note === "not_found" ? notFound(args.id) : noteResult(note);
  },
});

export const deleteNote = notesTool({
  name: "delete_note",
  description: "Delete one of your notes for good.",
  inputSchema: fromZod(z.object({ id: noteId })),
  scope: NOTE_SCOPES.write,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: async (args, context) => {
    const outcome = await notesOf(context).remove(args.id);
    return outcome === "not_found" ? notFound(args.id) : textResult(`Deleted note ${args.id}.`);
  },
});

export const getNote = notesTool({
  name: "get_note",
  description: "Read one of your notes: title and full text.",
  inputSchema: fromZod(z.object({ id: noteId })),
  outputSchema: noteOutput,
  scope: NOTE_SCOPES.read,
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async (args, context) => {
    const note = await notesOf(context).get(args.id);
    return note ? noteResult(note) : notFound(args.id);
  },
});

export const listNotes = notesTool({
  name: "list_notes",
  description: "List your notes, newest first: id, title and when each changed. Optionally only those whose title or text contains a query.",
  inputSchema: fromZod(
    z.object({
      query: z.string().min(1).max(NOTE_LIMITS.queryMax).optional().describe("Only notes whose title or text contains this"),
      limit: z.number().int().min(1).max(NOTE_LIMITS.listMax).optional().describe(`How many, ${NOTE_LIMITS.listDefault} when omitted`),
    }),
  ),
  outputSchema: fromZod(z.object({ notes: z.array(z.object({ id: z.string(), title: z.string(), updatedAt: z.string() })) })),
  scope: NOTE_SCOPES.read,
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async (args, context) => structuredResult({ notes: await notesOf(context).list({ query: args.query, limit: args.limit }) }),
});

export const NOTE_TOOLS = [createNote, updateNote, deleteNote, getNote, listNotes];
