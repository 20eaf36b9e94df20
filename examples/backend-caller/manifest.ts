/**
 * What the backend-caller server needs: its team's backend as a service
 * binding (Worker-to-Worker, never over the public internet), the token the
 * backend expects, and how long to wait for it. Runtime-agnostic: the `env`
 * type is in `./env.ts`.
 */
import { defineManifest } from "../../worker/kit/manifest.ts";

export const manifest = defineManifest({
  bindings: {
    BACKEND: { kind: "service", description: "The team's backend Worker (locally: npm start --service BACKEND=examples/backend-caller/demo-backend.ts)" },
    BACKEND_TOKEN: { kind: "secret", description: "Sent to the backend as Authorization: Bearer; never shown to clients or logs" },
    BACKEND_TIMEOUT_MS: { kind: "var", description: "Milliseconds to wait for the backend, 100 to 30000 (empty: 5000)" },
  },
});
