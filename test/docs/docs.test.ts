/**
 * The README and docs/*.md against the repository: every npm command they show
 * runs a script package.json has, with flags the CLI's own `--help` lists, and
 * every relative link lands on a file and heading that exist.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/worker-bundle.ts";
import { docFiles, extractLinks, extractNpmCommands, flagProblems, flagsOf, headingAnchors, readDoc, type DocCommand } from "./support/markdown.ts";

const PACKAGE_SCRIPTS = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const FILES = docFiles(REPO_ROOT);
const COMMANDS: DocCommand[] = FILES.flatMap((file) => extractNpmCommands(file, readDoc(REPO_ROOT, file)));

/** `tsx scripts/verify.ts` → `scripts/verify.ts`: the file a script runs, if it is one of ours. */
function entryOf(script: string): string | undefined {
  return /^tsx (\S+\.ts)$/.exec(PACKAGE_SCRIPTS[script] ?? "")?.[1];
}

function helpOf(entry: string): Promise<{ code: number; text: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", entry, "--help"], { cwd: REPO_ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, text: `${stdout}${stderr}` }),
    );
  });
}

describe("commands in the docs", () => {
  it("finds the commands the README and guides show", () => {
    const scripts = new Set(COMMANDS.map((c) => c.script));
    for (const expected of ["start", "test", "plan", "verify", "wrangler-config"]) expect(scripts).toContain(expected);
  });

  it("run scripts that package.json defines", () => {
    const missing = COMMANDS.filter((c) => PACKAGE_SCRIPTS[c.script] === undefined).map((c) => `${c.file}:${c.line} \`${c.text}\``);
    expect(missing).toEqual([]);
  });

  it("pass only flags the command's --help lists, with a value where it takes one", async () => {
    const withFlags = COMMANDS.filter((c) => flagsOf(c.args).length > 0);
    const entries = [...new Set(withFlags.map((c) => c.script))];
    const helps = new Map(await Promise.all(entries.map(async (script) => [script, await helpOrThrow(script)] as const)));
    const problems = withFlags.flatMap((c) => flagProblems(c, helps.get(c.script) ?? ""));
    expect(problems).toEqual([]);
  });
});

async function helpOrThrow(script: string): Promise<string> {
  const entry = entryOf(script);
  if (entry === undefined) throw new Error(`npm run ${script} is documented with flags but is not a tsx script: "${PACKAGE_SCRIPTS[script]}"`);
  const help = await helpOf(entry);
  if (help.code !== 0) throw new Error(`npm run ${script} -- --help exited ${help.code}: ${help.text}`);
  return help.text;
}

describe("links in the docs", () => {
  it("point at files and headings that exist", () => {
    const broken: string[] = [];
    for (const file of FILES) {
      for (const link of extractLinks(file, readDoc(REPO_ROOT, file))) {
        const target = link.path === "" ? file : normalize(join(dirname(file), link.path));
        const where = `${file}:${link.line} → ${link.path}${link.anchor === undefined ? "" : `#${link.anchor}`}`;
        if (!existsSync(join(REPO_ROOT, target))) broken.push(`${where}: no such file`);
        else if (link.anchor !== undefined && !headingAnchors(readDoc(REPO_ROOT, target)).has(link.anchor)) broken.push(`${where}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("reach every guide in docs/ from the README", () => {
    const linked = new Set(extractLinks("README.md", readDoc(REPO_ROOT, "README.md")).map((l) => normalize(l.path)));
    expect(FILES.filter((f) => f.startsWith("docs/") && !linked.has(f))).toEqual([]);
  });

  it("keep the README a front page (under 250 lines)", () => {
    expect(readDoc(REPO_ROOT, "README.md").split("\n").length).toBeLessThan(250);
  });
});
