import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { AuthgentConfig } from "./config.ts";
import { POSTGRES } from "./database.ts";
import { postgresHost } from "./environment.ts";
import { IMAGE_RESOURCES } from "./image-resources.ts";
import { isMissingSecretPlaceholder } from "./required-secrets.ts";
import { CONTAINER_DEFAULTS, DATA_VOLUME_OPTIONS } from "./container-defaults.ts";

/**
 * Postgres for `database.type: postgres`: a container on the stack's private
 * network (reachable as `<name>-postgres`, never published), its data on its
 * own volume that survives updates and `pulumi destroy`. Mirrors upstream's
 * docker-compose.yml (`postgres:16-alpine`, `pg_isready` healthcheck).
 */
export function createPostgres(
  name: string,
  config: AuthgentConfig,
  network: docker.Network,
  opts: pulumi.CustomResourceOptions,
): docker.Container | undefined {
  const database = config.database;
  if (database.type !== "postgres") return undefined;
  const host = postgresHost(config);
  const image = new docker.RemoteImage(`${name}${IMAGE_RESOURCES.postgres.suffix}`, { name: database.image, keepLocally: true }, opts);
  const data = new docker.Volume(`${name}-postgres-data`, { name: `${host}-data` }, { ...opts, ...DATA_VOLUME_OPTIONS });
  const password = database.password?.reveal();
  if (password === undefined) throw new Error("authgent.database.password is not set (the stack config validation reports how to set it)");
  const passwordEnv = `POSTGRES_PASSWORD=${password}`;
  return new docker.Container(
    `${name}-postgres`,
    {
      name: host,
      image: image.imageId,
      envs: [
        `POSTGRES_USER=${POSTGRES.user}`,
        `POSTGRES_DB=${POSTGRES.database}`,
        isMissingSecretPlaceholder(password) ? passwordEnv : pulumi.secret(passwordEnv),
      ],
      volumes: [{ volumeName: data.name, containerPath: POSTGRES.dataPath }],
      networksAdvanced: [{ name: network.name, aliases: [host] }],
      healthcheck: { tests: ["CMD", "pg_isready", "-U", POSTGRES.user, "-d", POSTGRES.database], ...CONTAINER_DEFAULTS.healthcheckTiming },
      ...CONTAINER_DEFAULTS.run,
    },
    // A fixed container name cannot exist twice.
    { ...opts, deleteBeforeReplace: true },
  );
}
