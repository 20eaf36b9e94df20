/**
 * A created D1 database's SQL migrations (`infra/d1-migrations.ts`), applied
 * by the program during `pulumi up`, after the provider created the database
 * and before the script that binds it is uploaded: the script's D1 binding
 * takes its database id from `databaseId`, which resolves only once every
 * pending migration ran. A preview applies nothing and, for a database that
 * exists already, notes which files a `pulumi up` would apply.
 */
import * as pulumi from "@pulumi/pulumi";
import { appliedD1Migrations, applyD1Migrations, type D1Migration, type D1QueryApi } from "../d1-migrations.ts";
import { D1_MIGRATIONS_TYPE } from "./type-tokens.ts";

export { D1_MIGRATIONS_TYPE };

export interface D1MigrationsArgs {
  readonly accountId: string;
  /** The created database's id (`D1Database.id`). */
  readonly databaseId: pulumi.Output<string>;
  /** In the order they apply (`readD1Migrations`). */
  readonly migrations: readonly D1Migration[];
  /** Names the database in messages, e.g. `server notes-mcp, D1 NOTES_DB`. */
  readonly label: string;
  /** @default none — nothing is applied or read (the offline plan) */
  readonly api?: D1QueryApi;
}

export class D1Migrations extends pulumi.ComponentResource {
  /** The database id, once its migrations are applied. */
  readonly databaseId: pulumi.Output<string>;

  constructor(name: string, args: D1MigrationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(D1_MIGRATIONS_TYPE, name, {}, opts);
    const { api } = args;
    this.databaseId = args.databaseId.apply(async (id) => {
      // Unknown during a preview of a database not created yet: nothing to read.
      if (!api || !id) return id;
      if (pulumi.runtime.isDryRun()) {
        const done = await appliedD1Migrations(api, args.accountId, id, { create: false });
        const pending = args.migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
        if (pending.length > 0) void pulumi.log.info(`${args.label}: \`pulumi up\` applies the D1 migrations ${pending.join(", ")}`, this);
        return id;
      }
      const applied = await applyD1Migrations(api, args.accountId, id, args.migrations, args.label);
      if (applied.length > 0) void pulumi.log.info(`${args.label}: applied the D1 migrations ${applied.join(", ")}`, this);
      return id;
    });
    this.registerOutputs({ databaseId: this.databaseId, migrations: args.migrations.map((m) => `${m.name} sha256:${m.sha256}`) });
  }
}
