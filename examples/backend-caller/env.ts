import type { EnvOf } from "../../worker/kit/manifest-env.ts";
import type { manifest } from "./manifest.ts";

/** The backend-caller's `env`: the kit's own bindings plus exactly what its manifest declares. */
export type BackendCallerEnv = EnvOf<typeof manifest>;
