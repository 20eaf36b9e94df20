/**
 * The released Authgent the tests run against: `authgent-server` from PyPI
 * (source: GitHub authgent/authgent, folder `server/`), the same release the
 * stack deploys. The pin lives in `infra/authgent/server-release.ts` and its
 * dependency set in `infra/authgent/image-constraints.txt`: change them there
 * only, so the tests and the deployed image can never run different versions.
 */
import { fileURLToPath } from "node:url";
import { AUTHGENT_SERVER_VERSION, POSTGRES_DRIVER_REQUIREMENT } from "../../../infra/authgent/server-release.ts";

export { AUTHGENT_SERVER_VERSION };

/** The server requirement pip installs, with the `[postgres]` extra (asyncpg) the image also installs. */
export const AUTHGENT_SERVER_REQUIREMENT = `authgent-server[postgres]==${AUTHGENT_SERVER_VERSION}`;

/**
 * Everything the test venv installs (versions from the constraints file).
 * psycopg 3 is the Postgres driver that works with this release: asyncpg
 * refuses the timezone-aware datetimes the server writes into its
 * `TIMESTAMP WITHOUT TIME ZONE` columns (models/base.py, models/signing_key.py;
 * MagicStack/asyncpg#1139), so a replica on `postgresql+asyncpg://` cannot
 * even store its first signing key. The interop suite pins both facts
 * (test/interop/authgent-postgres-driver.test.ts).
 */
export const AUTHGENT_VENV_REQUIREMENTS: readonly string[] = [AUTHGENT_SERVER_REQUIREMENT, POSTGRES_DRIVER_REQUIREMENT];

/**
 * pip constraints (`pip install -c`): every transitive dependency pinned to
 * what the pin resolved to when it was chosen, so a new FastAPI or SQLAlchemy
 * release cannot change what "the real server" means between two runs. The
 * image the stack builds installs with the same file (infra/authgent/dockerfile.ts);
 * its asyncpg pin only matters where the `[postgres]` extra is installed.
 */
export const AUTHGENT_CONSTRAINTS_FILE = fileURLToPath(new URL("../../../infra/authgent/image-constraints.txt", import.meta.url));

/**
 * Lowest Python the pin supports: authgent-server 0.3.4's
 * `Requires-Python: >=3.11` (its METADATA), and its Dockerfile uses 3.12.
 */
export const MIN_PYTHON: readonly [major: number, minor: number] = [3, 11];
