/**
 * The committed `Pulumi.production.yaml`: it plans out of the box (the unset
 * secret key as a visible placeholder, with a warning naming the command),
 * and runs the released authgent-server behind Caddy on the seed's issuer.
 */
import { describe, expect, it } from "vitest";
import { loadStackFileConfig, readStackFile } from "../../../infra/config-source.ts";
import { resolveLocalRun } from "../../../infra/local-run.ts";
import { renderStack } from "../../../scripts/lib/offline-plan.ts";
import { committedStackOptions } from "./stack-files.ts";

const ISSUER = "https://auth.yourcompany.com";

describe("the committed production stack", () => {
  it("loads offline with one warning: the secret key is not set, and the command that sets it", async () => {
    const config = await loadStackFileConfig("production");
    expect(config.warnings?.map((w) => w.path)).toEqual(["authgent.secretKey"]);
    expect(config.warnings?.[0]?.message).toContain(
      "npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.secretKey --stack production",
    );
  });

  it("runs under npm start --stack production, handing the warning to the banner", async () => {
    const target = await resolveLocalRun({ stack: "production" });
    expect(target.vars.AUTHGENT_ISSUER).toBe(ISSUER);
    expect(target.warnings).toEqual([expect.stringMatching(/^authgent\.secretKey is not set \(shown as a placeholder; pulumi preview and up refuse until it is\)/)]);
  });

  it("plans with the placeholder in the container's environment, not a secret", async () => {
    const { plan } = await renderStack("production");
    expect(plan.resources.find((r) => r.name === "authgent-container")?.inputs["envs"]).toContain("AUTHGENT_SECRET_KEY=[not set: authgent.secretKey]");
  });

  it("runs Authgent over SSH at the seed's issuer, behind Caddy, with a consent page and no issuer of its own for the servers", async () => {
    const { values } = await readStackFile("production");
    expect(values["authgent"]).toMatchObject({ host: "ssh://deploy@auth.yourcompany.com", issuer: ISSUER, consentMode: "ui", tls: { proxy: "caddy" } });
    expect(values["authgent"]).not.toHaveProperty("image");
    expect(values["defaults"]).not.toHaveProperty("issuer");
  });

  it("with the key set, builds authgent-server behind Caddy and points the server at it", async () => {
    const { plan } = await renderStack("production", await committedStackOptions("production"));
    expect(plan.resources.find((r) => r.name === "authgent-image")?.inputs["name"]).toMatch(/^authgent-edge\/authgent-server:0\.3\.4-[0-9a-f]{12}$/);
    expect(plan.resources.find((r) => r.name === "authgent-container")?.inputs["ports"]).toBeUndefined();
    expect(plan.resources.find((r) => r.name === "authgent-docker")?.inputs["host"]).toBe("ssh://deploy@auth.yourcompany.com");
    const script = plan.resources.find((r) => r.type === "cloudflare:index/workersScript:WorkersScript");
    expect(script?.inputs["bindings"]).toContainEqual({ type: "plain_text", name: "AUTHGENT_ISSUER", text: ISSUER });
  });
});
