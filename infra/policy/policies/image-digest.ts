import type { ResourceValidationPolicy } from "@pulumi/policy";
import { imageConfigKey } from "../../authgent/image-resources.ts";
import { isProductionStack, productionConfigSchema, type ProductionConfig } from "../production.ts";
import { RESOURCE_TYPES, stackOfUrn } from "../resources.ts";

/** `repo[:tag]@sha256:<64 hex>`: the only reference a registry cannot change under you. */
export const DIGEST_REFERENCE = /@sha256:[0-9a-f]{64}$/;

/**
 * A tag like `latest` can point at a different build on every pull. Applies
 * to every image on the Authgent host: Authgent itself and the Caddy proxy
 * that terminates its TLS (both sit on the token-issuing path).
 */
export const imageDigestPolicy: ResourceValidationPolicy = {
  name: "authgent-image-pinned-by-digest",
  description: "The Authgent image (and the Caddy TLS proxy image) is pinned by digest (…@sha256:…) in production.",
  severity: "high",
  configSchema: { properties: { ...productionConfigSchema } },
  remediationSteps:
    "Resolve the tag you tested (docker buildx imagetools inspect authgent/authgent:<tag>) and set authgent.image to " +
    "authgent/authgent:<tag>@sha256:<digest> in Pulumi.production.yaml; likewise authgent.tls.image for Caddy (caddy:2@sha256:<digest>).",
  validateResource: (args, reportViolation) => {
    if (args.type !== RESOURCE_TYPES.remoteImage) return;
    if (!isProductionStack(stackOfUrn(args.urn), args.getConfig<ProductionConfig>())) return;
    const name = String(args.props.name ?? "");
    if (!DIGEST_REFERENCE.test(name)) {
      const key = imageConfigKey(args.name) ?? "the image reference";
      // A malformed "@…" suffix is replaced, not kept: "repo@sha256:short@sha256:<digest>" is no reference.
      const unpinned = name.split("@")[0] ?? name;
      reportViolation(
        `Image "${name}" is not pinned by digest, so every pull may run a different build. Find the digest of the build you tested ` +
          `with \`docker buildx imagetools inspect ${unpinned}\` and set ${key} to ${unpinned}@sha256:<digest> in Pulumi.${stackOfUrn(args.urn)}.yaml.`,
      );
    }
  },
};
