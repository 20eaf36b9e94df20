/** The committed `Pulumi.production.yaml` runs the seed's Authgent, with TLS, on the seed's issuer. */
import { describe, expect, it } from "vitest";
import { loadStackFileConfig, readStackFile } from "../../../infra/config-source.ts";
import { renderStack } from "../../../scripts/lib/offline-plan.ts";
import { committedStackOptions } from "./stack-files.ts";

const ISSUER = "https://auth.yourcompany.com";

describe("the committed production stack", () => {
  it("fails validation, naming the key and the command, until an operator stores the signing key", async () => {
    await expect(loadStackFileConfig("production")).rejects.toThrow(
      "authgent.signingKey is not set: Authgent needs its ES256 signing key. Generate one and store it encrypted (it never touches the disk): " +
        "npm run --silent keygen -- --stack production | pulumi config set --secret --path authgent.signingKey --stack production",
    );
  });

  it("enables Authgent over SSH at the seed's issuer, behind Caddy, with no issuer of its own for the servers", async () => {
    const { values } = await readStackFile("production");
    expect(values["authgent"]).toMatchObject({ host: "ssh://deploy@auth.yourcompany.com", issuer: ISSUER, tls: { proxy: "caddy" } });
    expect(values["defaults"]).not.toHaveProperty("issuer");
  });

  it("with the key set, deploys Authgent behind Caddy and points the server at it", async () => {
    const { plan } = await renderStack("production", await committedStackOptions("production"));
    const caddy = plan.resources.find((r) => r.name === "authgent-caddy");
    expect(caddy?.inputs["ports"]).toEqual([
      { external: 80, internal: 80 },
      { external: 443, internal: 443 },
    ]);
    expect(plan.resources.find((r) => r.name === "authgent-container")?.inputs["ports"]).toBeUndefined();
    expect(plan.resources.find((r) => r.name === "authgent-docker")?.inputs["host"]).toBe("ssh://deploy@auth.yourcompany.com");
    const script = plan.resources.find((r) => r.type === "cloudflare:index/workersScript:WorkersScript");
    expect(script?.inputs["bindings"]).toContainEqual({ type: "plain_text", name: "AUTHGENT_ISSUER", text: ISSUER });
  });
});
