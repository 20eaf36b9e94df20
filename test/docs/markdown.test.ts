/** The doc readers themselves: a checker that extracts nothing would pass every doc. */
import { describe, expect, it } from "vitest";
import { extractLinks, extractNpmCommands, flagProblems, flagsOf, headingAnchors } from "./support/markdown.ts";

const SAMPLE = [
  "Run `npm start -- --port 9000` or `npm run plan -- --stack <name> [--json]`.",
  "",
  "```sh",
  "MCP_VERIFY_TOKEN=… npm run verify -- --stack staging   # with a token",
  "npm run --silent keygen -- --stack production | pulumi config set --secret x",
  "npx thing --cli http://x \\",
  "  --header y && npm run wrangler-config -- --stack s \\",
  "  --out -",
  "npm ci && npm test",
  "```",
  "",
  "```yaml",
  "run: npm run not-a-command -- --nope",
  "```",
  "See [the guide](docs/x.md#some-heading) and [this](#here), not [web](https://example.com).",
].join("\n");

describe("doc command extraction", () => {
  it("finds npm commands in inline code and shell blocks, joined across continuations, ignoring other languages", () => {
    const found = extractNpmCommands("README.md", SAMPLE).map((c) => [c.script, c.args.join(" ")]);
    expect(found).toEqual([
      ["start", "--port 9000"],
      ["plan", "--stack <name> [--json]"],
      ["verify", "--stack staging"],
      ["keygen", "--stack production"],
      ["wrangler-config", "--stack s --out -"],
      ["test", ""],
    ]);
  });

  it("reads flags with their values, through optional brackets and --flag=value", () => {
    expect(flagsOf(["--stack", "<name>", "[--server", "<name>]", "--out=x", "--json"])).toEqual([
      { flag: "--stack", next: "<name>" },
      { flag: "--server", next: "<name>" },
      { flag: "--out", next: "x" },
      { flag: "--json", next: undefined },
    ]);
  });

  it("reports a flag the CLI's help does not list, and a value-taking flag given no value", () => {
    const help = "Usage: npm run plan -- --stack <name> [--json]\n\n  --stack <name>   Stack\n  --json   JSON\n  -h, --help  Help";
    const [misspelt] = extractNpmCommands("docs/a.md", "`npm run plan -- --stak staging`");
    const [noValue] = extractNpmCommands("docs/a.md", "```sh\nnpm run plan -- --stack --json\n```");
    const [prose] = extractNpmCommands("docs/a.md", "`npm run plan -- --stack` renders a stack");
    const [fine] = extractNpmCommands("docs/a.md", "`npm run plan -- --stack staging --json -h`");
    expect(misspelt && flagProblems(misspelt, help)).toEqual(["docs/a.md:1 `npm run plan -- --stak staging`: --stak is not an option of npm run plan (see its --help)"]);
    expect(noValue && flagProblems(noValue, help)).toEqual(["docs/a.md:2 `npm run plan -- --stack --json`: --stack needs a value"]);
    expect(prose && flagProblems(prose, help)).toEqual([]);
    expect(fine && flagProblems(fine, help)).toEqual([]);
  });
});

describe("doc link extraction", () => {
  it("finds relative links with anchors and skips absolute URLs", () => {
    expect(extractLinks("README.md", SAMPLE)).toEqual([
      { file: "README.md", line: 15, path: "docs/x.md", anchor: "some-heading" },
      { file: "README.md", line: 15, path: "", anchor: "here" },
    ]);
  });

  it("generates GitHub's heading anchors, including repeats", () => {
    const anchors = headingAnchors("# The MCP server (`worker/`)\n## Offline plan (no CLI, no credentials)\n## Notes\n## Notes\n```sh\n# not a heading\n```");
    expect([...anchors]).toEqual(["the-mcp-server-worker", "offline-plan-no-cli-no-credentials", "notes", "notes-1"]);
  });
});
