// module.register hooks (Node >= 20.6): the conformance package's `fs` import resolves to fs-shim.mjs
// when this Node lacks fs.globSync; every other module keeps the real `fs`.
import fs from "node:fs";

const SHIM = new URL("./fs-shim.mjs", import.meta.url).href;

export async function resolve(specifier, context, next) {
  if ((specifier === "fs" || specifier === "node:fs") && typeof fs.globSync !== "function" && context.parentURL?.includes("/@modelcontextprotocol/conformance/")) {
    return { url: SHIM, shortCircuit: true };
  }
  return next(specifier, context);
}
