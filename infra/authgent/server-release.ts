/**
 * The released Authgent the stack deploys by default: `authgent-server` from
 * PyPI (source: GitHub authgent/authgent, folder `server/`), installed into a
 * pinned Python base image on the Docker host. Kept free of provider imports:
 * the policy pack and the tests read these constants.
 */

/** `pip install authgent-server==<this>`; the version the interop tests run. */
export const AUTHGENT_SERVER_VERSION = "0.3.4";

/**
 * The Postgres driver installed next to the server (image and test venv):
 * psycopg 3, binary wheels with their own libpq. Not an extra of
 * authgent-server; its `[postgres]` extra (asyncpg) cannot write 0.3.4's
 * timestamps (./postgres-url.ts).
 */
export const POSTGRES_DRIVER_REQUIREMENT = "psycopg[binary]==3.3.9";

/**
 * The base image of the generated Dockerfile. Upstream's `server/Dockerfile`
 * uses `python:3.12-slim` (tag only). This is the multi-arch index digest of
 * that tag as cited by two independent public Dockerfiles that pin it
 * ("python:3.12-slim@sha256:78387bc3…"); re-resolve with
 * `docker buildx imagetools inspect python:3.12-slim` when bumping.
 */
export const AUTHGENT_BASE_IMAGE = "python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea";

/**
 * Port uvicorn listens on inside the container: upstream's Dockerfile
 * (`EXPOSE 8000`, `--port 8000`) and `Settings.port` default 8000.
 */
export const AUTHGENT_PORT = 8000;

/**
 * UID/GID of the non-root user the generated image runs as. Fixed (upstream
 * uses `adduser --system`, whose UID depends on the base image) so the data
 * volume's ownership stays valid across rebuilds.
 */
export const AUTHGENT_UID = 10001;

/** OCI annotation keys the generated image carries as labels; the image-digest policy reads the base. */
export const OCI_LABELS = {
  baseName: "org.opencontainers.image.base.name",
  version: "org.opencontainers.image.version",
  title: "org.opencontainers.image.title",
} as const;

/** `X.Y.Z` (optionally with a PEP 440 pre/post/dev suffix): an exact release, never a range. */
export const EXACT_VERSION = /^\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$/;

/** `repo[:tag]@sha256:<64 hex>`: the only reference a registry cannot change under you. */
export const DIGEST_REFERENCE = /@sha256:[0-9a-f]{64}$/;
