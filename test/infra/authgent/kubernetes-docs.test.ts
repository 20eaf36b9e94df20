/**
 * docs/authgent-kubernetes.md's example stack is a real stack: its YAML
 * plans as a Kubernetes deployment, and the commands printed after it store
 * exactly the secrets that stack needs, as the config warnings name them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stackFileInput } from "../../../infra/config-source.ts";
import { parseStackConfig } from "../../../infra/config.ts";
import { authgentConfigPlugin } from "../../../infra/config-plugins.ts";
import { REPO_ROOT } from "../../../infra/worker-bundle.ts";
import { renderFleet } from "../../../scripts/lib/offline-plan.ts";

const DOC = readFileSync(join(REPO_ROOT, "docs/authgent-kubernetes.md"), "utf8");

/** The fenced blocks of one section (from its heading to the next "## "). */
function blocksOf(heading: string): { lang: string; text: string }[] {
  const start = DOC.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const end = DOC.indexOf("\n## ", start + 1);
  const section = DOC.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? "", text: m[2] ?? "" }));
}

describe("docs/authgent-kubernetes.md: Example stack", () => {
  const [yaml, sh] = blocksOf("Example stack");

  it("plans: the namespace, Postgres, the bootstrap Job, two replicas and the Ingress", async () => {
    expect(yaml?.lang).toBe("yaml");
    const config = parseStackConfig(stackFileInput("production", yaml?.text ?? ""), { authgent: authgentConfigPlugin! });
    const { plan } = await renderFleet(config);
    const names = plan.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["authgent-namespace", "authgent-postgres", "authgent-bootstrap", "authgent-deployment", "authgent-ingress"]));
    const deployment = plan.resources.find((r) => r.name === "authgent-deployment")?.inputs["spec"] as { replicas: number };
    expect(deployment.replicas).toBe(2);
  });

  it("is followed by the commands that store every secret it lacks, as the plan's warnings print them", () => {
    const config = parseStackConfig(stackFileInput("production", yaml?.text ?? ""), { authgent: authgentConfigPlugin! });
    const commands = (config.warnings ?? []).map((warning) => /Set it with: (.*)$/.exec(warning.message)?.[1]);
    expect(commands).toHaveLength(3);
    const documented = (sh?.text ?? "").split("\n").filter((line) => line.startsWith("npm run"));
    expect(documented).toEqual(commands);
  });
});
