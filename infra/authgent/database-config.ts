/**
 * The `authgent.database` setting: which `AUTHGENT_DATABASE_URL` the server
 * gets. A discriminated union on `type`, defaulting to SQLite on the data volume.
 */
import { z } from "zod";
import { SecretValue } from "../secret-value.ts";
import { databaseUrlProblem, POSTGRES_DEFAULT_IMAGE } from "./database.ts";

export type DatabaseConfigInput =
  /** `sqlite+aiosqlite:///<dataPath>/authgent.db` on the data volume. */
  | { type?: "sqlite" }
  /**
   * A Postgres container on the same Docker host, on the stack's private
   * network, with its own volume. `password` is a secret (npm run keygen).
   */
  | { type: "postgres"; image?: string; password?: string }
  /** A database elsewhere: `url` is a secret, `postgresql+psycopg://user:password@host:5432/dbname?options=-c%20TimeZone%3DUTC`. */
  | { type: "external"; url?: string };

export type DatabaseConfig =
  | { readonly type: "sqlite" }
  | { readonly type: "postgres"; readonly image: string; readonly password?: SecretValue | undefined }
  | { readonly type: "external"; readonly url?: SecretValue | undefined };

const secretText = (what: string) =>
  z
    .string({ error: `must be text: ${what}` })
    .min(1, { error: `must not be empty: ${what}` })
    .transform((value) => new SecretValue(value));

const TYPE_ERROR = 'must be "sqlite" (the default), "postgres" (a container on the Docker host) or "external" (url)';

export const databaseSchema: z.ZodType<DatabaseConfig, DatabaseConfigInput | undefined> = z
  .discriminatedUnion(
    "type",
    [
      z.strictObject({ type: z.literal("sqlite") }),
      z.strictObject({
        type: z.literal("postgres"),
        image: z.string({ error: "must be a Postgres image like postgres:16-alpine@sha256:…" }).min(1).default(POSTGRES_DEFAULT_IMAGE),
        // Required; a missing one is reported with the command that sets it (stack rules).
        password: secretText("the Postgres password (npm run keygen)").optional(),
      }),
      z.strictObject({
        type: z.literal("external"),
        url: secretText("the database URL")
          .superRefine((value, ctx) => {
            const problem = databaseUrlProblem(value.reveal());
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          })
          .optional(),
      }),
    ],
    { error: TYPE_ERROR },
  )
  .optional()
  .transform((value): DatabaseConfig => value ?? { type: "sqlite" });
