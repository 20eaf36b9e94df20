/** Helpers for the stack config rule tests: mutate a valid config, expect one named issue. */
import { expect } from "vitest";
import { parseStackConfig, StackConfigError, type ConfigIssue } from "../../../infra/config.ts";
import { baseValues, input } from "./fixtures.ts";

export type Values = Record<string, unknown>;
export type Server = Record<string, unknown>;

export function withServer(change: (server: Server) => void, values: Values = baseValues()): Values {
  const servers = values["servers"] as Server[];
  change(servers[0]!);
  return values;
}

function rejection(values: Values, plaintext: string[]): StackConfigError {
  try {
    parseStackConfig(input(values, plaintext));
  } catch (err) {
    expect(err).toBeInstanceOf(StackConfigError);
    return err as StackConfigError;
  }
  throw new Error("expected the config to be rejected");
}

export function issuesOf(values: Values, plaintext: string[] = []): readonly ConfigIssue[] {
  return rejection(values, plaintext).issues;
}

/** Expects an issue at `path` whose message contains `fragment`; returns the error for further checks. */
export function expectIssue(values: Values, path: string, fragment: string, plaintext: string[] = []): StackConfigError {
  const error = rejection(values, plaintext);
  expect(error.issues).toContainEqual({ path, message: expect.stringContaining(fragment) as unknown as string });
  return error;
}
