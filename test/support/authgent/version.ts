/**
 * The released Authgent the tests run against: `authgent-server` from PyPI
 * (source: GitHub authgent/authgent, folder `server/`). Change the pin here
 * only, and regenerate `constraints.txt` next to this file with it.
 */
import { fileURLToPath } from "node:url";

/** `pip install authgent-server==<this>`. */
export const AUTHGENT_SERVER_VERSION = "0.3.4";

/** The requirement string pip installs. */
export const AUTHGENT_SERVER_REQUIREMENT = `authgent-server==${AUTHGENT_SERVER_VERSION}`;

/**
 * pip constraints (`pip install -c`): every transitive dependency pinned to
 * what the pin resolved to when it was chosen, so a new FastAPI or SQLAlchemy
 * release cannot change what "the real server" means between two runs.
 */
export const AUTHGENT_CONSTRAINTS_FILE = fileURLToPath(new URL("./constraints.txt", import.meta.url));

/**
 * Lowest Python the pin supports: authgent-server 0.3.4's
 * `Requires-Python: >=3.11` (its METADATA), and its Dockerfile uses 3.12.
 */
export const MIN_PYTHON: readonly [major: number, minor: number] = [3, 11];
