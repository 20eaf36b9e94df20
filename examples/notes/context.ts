/** The notes store of the caller of one request: the thin adapter between the kit's context and `NotesStore`. */
import { principalKey } from "../../worker/auth/principal.ts";
import type { HandlerContext } from "../../worker/kit/index.ts";
import type { NotesEnv } from "./env.ts";
import { NotesStore } from "./store.ts";

export function notesOf(context: HandlerContext<NotesEnv>): NotesStore {
  // The owner comes from the verified token only; no argument a client sends can change it.
  return new NotesStore({ db: context.env.NOTES_DB, cache: context.env.NOTES_CACHE, owner: principalKey(context.principal), waitUntil: context.waitUntil });
}
