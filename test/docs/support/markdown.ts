/**
 * Reads the project's Markdown the way a reader does: the npm commands it tells
 * them to type, the links it tells them to follow, and the headings those links
 * point at. Pure functions over file text, so the doc tests stay fast.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One `npm …` invocation found in a doc, with where it was found. */
export interface DocCommand {
  /** `README.md` or `docs/x.md`, relative to the repository root. */
  readonly file: string;
  readonly line: number;
  /** The command as written (after joining `\` continuations). */
  readonly text: string;
  /** package.json script it runs (`start`, `test`, `verify`, …). */
  readonly script: string;
  /** Arguments after `--`, placeholders included. */
  readonly args: readonly string[];
  /** Found in an inline code span (prose may name a flag without its value) rather than a shell block. */
  readonly inline: boolean;
}

/** One relative Markdown link. */
export interface DocLink {
  readonly file: string;
  readonly line: number;
  /** Target path as written, without the anchor ("" for a same-page `#anchor`). */
  readonly path: string;
  readonly anchor?: string;
}

/** README.md and every docs/*.md, relative to `root`. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

interface Line {
  readonly number: number;
  readonly text: string;
  readonly inFence: boolean;
  readonly fenceLang: string;
}

function linesOf(text: string): Line[] {
  const out: Line[] = [];
  let fence: string | undefined;
  text.split("\n").forEach((raw, index) => {
    const opener = /^\s*```(\S*)/.exec(raw);
    if (opener) {
      fence = fence === undefined ? (opener[1] ?? "") : undefined;
      return;
    }
    out.push({ number: index + 1, text: raw, inFence: fence !== undefined, fenceLang: fence ?? "" });
  });
  return out;
}

const SHELL_FENCES = new Set(["", "sh", "bash", "shell", "console"]);
/** npm's own options that may precede the script name (`npm run --silent keygen`). */
const NPM_FLAG = /^--?[a-z-]+$/;

/** Every `npm start|test|run <script>` command in shell blocks and inline code spans. */
export function extractNpmCommands(file: string, text: string): DocCommand[] {
  const commands: DocCommand[] = [];
  const lines = linesOf(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === undefined) continue;
    if (line.inFence) {
      if (!SHELL_FENCES.has(line.fenceLang)) continue;
      let joined = line.text;
      while (joined.trimEnd().endsWith("\\") && lines[i + 1]?.inFence) joined = `${joined.trimEnd().slice(0, -1)} ${lines[++i]?.text ?? ""}`;
      commands.push(...commandsIn(file, line.number, stripComment(joined), false));
    } else {
      for (const span of line.text.matchAll(/`([^`]+)`/g)) commands.push(...commandsIn(file, line.number, span[1] ?? "", true));
    }
  }
  return commands;
}

function stripComment(shell: string): string {
  // A ` #` outside quotes starts a comment in sh; the docs never quote a `#`.
  const at = shell.search(/(^|\s)#/);
  return at === -1 ? shell : shell.slice(0, at);
}

function commandsIn(file: string, line: number, shell: string, inline: boolean): DocCommand[] {
  const out: DocCommand[] = [];
  for (const segment of shell.split(/\|\||&&|[|;]/)) {
    const words = segment.trim().split(/\s+/).filter((w) => w !== "");
    const npm = words.indexOf("npm");
    if (npm === -1) continue;
    const parsed = parseNpm(words.slice(npm + 1));
    if (parsed) out.push({ file, line, text: segment.trim(), inline, ...parsed });
  }
  return out;
}

function parseNpm(words: string[]): { script: string; args: string[] } | undefined {
  const [verb, ...rest] = words;
  let script: string | undefined;
  let after: string[];
  if (verb === "start" || verb === "test") {
    script = verb;
    after = rest;
  } else if (verb === "run" || verb === "run-script") {
    const at = rest.findIndex((w) => !NPM_FLAG.test(w));
    script = rest[at];
    after = rest.slice(at + 1);
  } else {
    return undefined; // npm ci, npm install …: no project script
  }
  if (script === undefined || script === "…" || script === "X") return undefined;
  const dashDash = after.indexOf("--");
  return { script, args: dashDash === -1 ? [] : after.slice(dashDash + 1) };
}

/**
 * The flags a command passes, each with the word after it (or undefined), with
 * optional-syntax brackets removed: `[--server <name>]` → `--server <name>`.
 */
export function flagsOf(args: readonly string[]): { flag: string; next: string | undefined }[] {
  const words = args.map((w) => w.replace(/^\[+|\]+$/g, "")).filter((w) => w !== "" && w !== "…");
  const out: { flag: string; next: string | undefined }[] = [];
  words.forEach((word, i) => {
    const m = /^(--?[A-Za-z][\w-]*)(=.*)?$/.exec(word);
    if (!m?.[1]) return;
    out.push({ flag: m[1], next: m[2] === undefined ? words[i + 1] : m[2].slice(1) });
  });
  return out;
}

/** Relative links outside code: `[text](path#anchor)`. */
export function extractLinks(file: string, text: string): DocLink[] {
  const links: DocLink[] = [];
  for (const line of linesOf(text)) {
    if (line.inFence) continue;
    const prose = line.text.replace(/`[^`]*`/g, "");
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? "";
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const hash = target.indexOf("#");
      links.push({
        file,
        line: line.number,
        path: hash === -1 ? target : target.slice(0, hash),
        ...(hash === -1 ? {} : { anchor: target.slice(hash + 1) }),
      });
    }
  }
  return links;
}

/**
 * The anchors GitHub generates for a file's headings: lower case, punctuation
 * other than `-` and `_` dropped, spaces to `-`, repeats suffixed `-1`, `-2`.
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of linesOf(text)) {
    if (line.inFence) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line.text);
    if (!m?.[1]) continue;
    const base = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

export function readDoc(root: string, file: string): string {
  return readFileSync(join(root, file), "utf8");
}

/** Options a CLI's `--help` lists, each with whether it takes a value (`--stack <name>`). */
export function optionsInHelp(help: string): Map<string, boolean> {
  const options = new Map<string, boolean>();
  for (const m of help.matchAll(/(?:^|[\s,[(])(--?[A-Za-z][\w-]*)(?:([ =])<[^>]+>)?/gm)) {
    const flag = m[1];
    if (flag !== undefined) options.set(flag, options.get(flag) === true || m[2] !== undefined);
  }
  return options;
}

/** What is wrong with a documented command's flags, judged against its CLI's `--help`. */
export function flagProblems(command: DocCommand, help: string): string[] {
  const options = optionsInHelp(help);
  const where = `${command.file}:${command.line} \`${command.text}\``;
  const problems: string[] = [];
  for (const { flag, next } of flagsOf(command.args)) {
    const takesValue = options.get(flag);
    if (takesValue === undefined) problems.push(`${where}: ${flag} is not an option of npm run ${command.script} (see its --help)`);
    // Prose may name a flag on its own (`npm run plan -- --json` prints…); a shell block is typed as is.
    else if (takesValue && !command.inline && (next === undefined || next.startsWith("-"))) problems.push(`${where}: ${flag} needs a value`);
  }
  return problems;
}
