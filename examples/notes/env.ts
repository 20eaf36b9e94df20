import type { EnvOf } from "../../worker/kit/manifest-env.ts";
import type { manifest } from "./manifest.ts";

/** The notes server's `env`: the kit's own bindings plus exactly what its manifest declares. */
export type NotesEnv = EnvOf<typeof manifest>;
