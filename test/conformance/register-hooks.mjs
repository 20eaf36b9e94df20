import { register } from "node:module";

register("./node-20-hooks.mjs", import.meta.url);
