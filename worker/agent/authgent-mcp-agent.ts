import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

/** Placeholder; the real agent lands with the Durable Object work. */
export class AuthgentMCPAgent extends DurableObject<Env> {}
