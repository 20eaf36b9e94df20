// Node 20 has no fs.globSync (added in Node 22, https://nodejs.org/api/fs.html#fsglobsyncpattern-options),
// which @modelcontextprotocol/conformance 0.1.16 imports by name. This module is `fs` for that package
// only (see node-20-hooks.mjs): everything of node:fs, plus a globSync for the simple patterns it uses.
import fs from "node:fs";
import { join, relative, sep } from "node:path";

export * from "node:fs";
export default fs;

function toRegExp(pattern) {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
      if (pattern[i + 1] === "/") i++;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export function globSync(pattern, options = {}) {
  const patterns = Array.isArray(pattern) ? pattern : [pattern];
  const cwd = options.cwd ? String(options.cwd) : process.cwd();
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(cwd, path).split(sep).join("/");
      if (patterns.some((p) => toRegExp(p).test(rel))) out.push(rel);
      if (entry.isDirectory() && entry.name !== "node_modules") walk(path);
    }
  };
  walk(cwd);
  return out;
}
