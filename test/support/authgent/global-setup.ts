/**
 * Vitest global setup for suites that run the real Authgent: installs (or
 * finds cached) the pinned venv once before any worker starts, and provides
 * the result to test files as `inject("authgent")`.
 */
import type { TestProject } from "vitest/node";
import { authgentAvailability, type AuthgentAvailability } from "./availability.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The pinned authgent-server venv, or why it cannot run on this machine. */
    authgent: AuthgentAvailability;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide("authgent", await authgentAvailability());
}
