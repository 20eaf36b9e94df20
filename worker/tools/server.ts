/**
 * The default server every deployment runs unless its stack names another
 * entry: the seed's three tools, written with the kit.
 */
import type { ServerDefinition } from "../kit/types.ts";
import { getData } from "./get-data.ts";
import { hello } from "./hello.ts";
import { writeData } from "./write-data.ts";

export const DEFAULT_SERVER: ServerDefinition = {
  name: "authgent-edge",
  version: "0.1.0",
  tools: [hello, getData, writeData],
};
