/** Settings every container and data volume of the Authgent host shares. */
import type * as pulumi from "@pulumi/pulumi";

/** Container healthcheck timings (Docker duration strings). */
export const HEALTHCHECK_TIMING = { interval: "30s", timeout: "5s", retries: 3, startPeriod: "30s" } as const;
/** Seconds `pulumi up` waits for a new container to report healthy before failing the update. */
export const HEALTHY_WAIT_SECONDS = 120;

export const CONTAINER_DEFAULTS = {
  healthcheckTiming: HEALTHCHECK_TIMING,
  run: {
    // Back after a crash or a host reboot; stays down after a deliberate `docker stop`.
    restart: "unless-stopped",
    wait: true,
    waitTimeout: HEALTHY_WAIT_SECONDS,
    // Docker's json-file driver keeps everything by default; a VPS disk should not fill with logs.
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "5" },
  },
} as const;

/**
 * Volumes holding a database. retainOnDelete: `pulumi destroy`, a renamed
 * stack or a removed block leave the data on the host. protect: an update
 * that would replace the volume (a new `name`, a new `dataPath`…) stops with
 * an error instead of quietly mounting a fresh, empty one; deleting or
 * replacing it is a deliberate `pulumi state unprotect` away.
 */
export const DATA_VOLUME_OPTIONS: pulumi.CustomResourceOptions = { retainOnDelete: true, protect: true };
