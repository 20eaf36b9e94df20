/**
 * What the notes server needs from its deployment. Read by Pulumi (which
 * creates or references the database and namespace per stack), `npm start`
 * (local D1 and KV, migrations applied), `npm run wrangler-config` and the
 * tests. Runtime-agnostic: the `env` type it yields is in `./env.ts`.
 */
import { defineManifest } from "../../worker/kit/manifest.ts";

export const manifest = defineManifest({
  bindings: {
    NOTES_DB: {
      kind: "d1",
      description: "The notes, one row per note, keyed by owner and id",
      migrationsDir: "examples/notes/migrations",
    },
    NOTES_CACHE: {
      kind: "kv",
      description: "Read cache of single notes and recent-note lists; entries are deleted on every write",
    },
  },
});
