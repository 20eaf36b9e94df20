/**
 * Renaming a server keeps its Worker script (and the Durable Object data in
 * it): Pulumi aliases for every resource, the script under its first name.
 * Plus the notes that explain a rename and the upload after a migration.
 */
import { describe, expect, it } from "vitest";
import { defaultRateLimitNamespaceId, parseStackConfig } from "../../infra/config.ts";
import { renderFleet } from "../../scripts/lib/offline-plan.ts";
import { issuesOf, type Values } from "./support/config-issues.ts";
import { baseValues, input } from "./support/fixtures.ts";

const lines = (values: Values): string[] => issuesOf(values).map((issue) => `${issue.path} ${issue.message}`);

function renamed(previousNames: unknown): Record<string, unknown> {
  const values = baseValues();
  const [server] = values["servers"] as Record<string, unknown>[];
  values["servers"] = [{ ...server, name: "beta", previousNames }];
  return values;
}

describe("a renamed server", () => {
  it("keeps its Worker script, rate-limit namespace and resources under the old names", async () => {
    const { resources, outputs, notes } = await renderFleet(parseStackConfig(input(renamed(["alpha"]))), { currentMigrationTag: "v1" });
    const script = resources.find((r) => r.type === "cloudflare:index/workersScript:WorkersScript");
    expect(script?.name).toBe("beta-script");
    expect(script?.inputs["scriptName"]).toBe("alpha");
    expect(script?.aliasNames).toEqual(["alpha-script"]);
    const byName = Object.fromEntries(resources.map((r) => [r.name, r.aliasNames]));
    expect(byName).toMatchObject({ beta: ["alpha"], "beta-subdomain": ["alpha-subdomain"], "beta-domain": ["alpha-domain"] });
    const bindings = script?.inputs["bindings"] as { type: string; namespaceId?: string }[];
    expect(bindings.find((b) => b.type === "ratelimit")?.namespaceId).toBe(defaultRateLimitNamespaceId("alpha"));
    expect(Object.keys(outputs.servers)).toEqual(["beta"]);
    expect(notes).toContain(
      "server beta was renamed from alpha: its resources are aliased to the old names and it keeps the Worker script alpha, so its Durable Object data stays (a rename never replaces the script).",
    );
  });

  it("keeps the oldest script name through two renames", async () => {
    const { resources } = await renderFleet(parseStackConfig(input(renamed(["alpha", "alpha-2"]))));
    const script = resources.find((r) => r.name === "beta-script");
    expect(script?.inputs["scriptName"]).toBe("alpha");
    expect(script?.aliasNames).toEqual(["alpha-script", "alpha-2-script"]);
  });

  it("refuses an earlier name that another server still uses or also claims", () => {
    const values = renamed(["alpha"]);
    values["servers"] = [...(values["servers"] as object[]), { name: "alpha", audience: "https://gamma.example.com" }, { name: "delta", audience: "https://delta.example.com", previousNames: ["delta"] }];
    expect(lines(values)).toEqual(
      expect.arrayContaining([
        'servers[0].previousNames[0] "alpha" is also claimed by servers[1]: a name belongs to one server (its Worker script and resources move with it); remove it from one of them',
        'servers[2].previousNames[0] repeats the server\'s own name "delta": list only names it had before',
      ]),
    );
  });
});

describe("two servers on one rate-limit namespace", () => {
  it("is refused at preview time, naming the key and the fix", () => {
    const values = baseValues();
    values["servers"] = [
      { name: "alpha", audience: "https://alpha.example.com", rateLimitNamespaceId: "4242" },
      { name: "beta", audience: "https://beta.example.com", rateLimitNamespaceId: 4242 },
    ];
    expect(lines(values)).toContain(
      'servers[1].rateLimitNamespaceId must be unique: "4242" is also used by servers[0]; servers sharing a namespace share one rate-limit counter: give each server its own rateLimitNamespaceId, or remove the key to derive one from the script name',
    );
  });
});

describe("notes beside the preview diff", () => {
  it("says a migrating upload is followed by one harmless re-upload", async () => {
    const { notes } = await renderFleet(parseStackConfig(input(baseValues())));
    expect(notes.join("\n")).toContain("Durable Object migrations up to tag v1 apply with this deploy to alpha. The next preview shows one more update of these scripts");
  });

  it("explains the migrations-removed update once the script is at the last tag", async () => {
    const { notes, plan } = await renderFleet(parseStackConfig(input(baseValues())), { currentMigrationTag: "v1" });
    expect(plan.resources.find((r) => r.name === "alpha-script")?.inputs["migrations"]).toBeUndefined();
    expect(notes.join("\n")).toContain("alpha is already at Durable Object migration tag v1: if the last `pulumi up` applied migrations, the update shown for their script only removes the applied steps");
  });
});
