import type { ResourceValidationPolicy } from "@pulumi/policy";
import { imageConfigKey, kubernetesImageConfigKey } from "../../authgent/image-resources.ts";
import { DIGEST_REFERENCE, OCI_LABELS } from "../../authgent/server-release.ts";
import { isProductionStack, productionConfigSchema, type ProductionConfig } from "../production.ts";
import { RESOURCE_TYPES, stackOfUrn } from "../resources.ts";

export { DIGEST_REFERENCE };

/**
 * A tag like `latest` can point at a different build on every pull. Applies
 * to every image on the Authgent host: Authgent itself (a pulled image, or
 * the base of the one the stack builds, which the build records in the OCI
 * `base.name` label), its Postgres and the Caddy proxy that terminates its
 * TLS; all sit on the token-issuing path. On Kubernetes, the images of
 * the component's Deployment, bootstrap Job and Postgres StatefulSet.
 */
export const imageDigestPolicy: ResourceValidationPolicy = {
  name: "authgent-image-pinned-by-digest",
  description: "Every image on the Authgent host or cluster (Authgent or its build's base, Postgres, Caddy) is pinned by digest (…@sha256:…) in production.",
  severity: "high",
  configSchema: { properties: { ...productionConfigSchema } },
  remediationSteps:
    "Resolve the tag you tested (docker buildx imagetools inspect <image>:<tag>) and set the key the message names " +
    "(authgent.build.baseImage, authgent.image, authgent.database.image or authgent.tls.image) to <image>:<tag>@sha256:<digest> in Pulumi.production.yaml.",
  validateResource: (args, reportViolation) => {
    if (!isProductionStack(stackOfUrn(args.urn), args.getConfig<ProductionConfig>())) return;
    if (KUBERNETES_WORKLOADS.has(args.type)) {
      const key = kubernetesImageConfigKey(args.name);
      if (key === undefined) return;
      for (const image of podTemplateImages(args.props)) {
        if (DIGEST_REFERENCE.test(image)) continue;
        const unpinned = image.split("@")[0] ?? image;
        reportViolation(
          `Image "${image}" is not pinned by digest, so two pods may pull different builds. Find the digest of the build you tested ` +
            `with \`docker buildx imagetools inspect ${unpinned}\` and set ${key} to ${unpinned}@sha256:<digest> in Pulumi.${stackOfUrn(args.urn)}.yaml.`,
        );
      }
      return;
    }
    if (args.type !== RESOURCE_TYPES.remoteImage) return;
    const build = args.props.build as { label?: Record<string, unknown> } | undefined;
    // A built image's tag is local to the host; what can move under you is its base.
    const name = build ? String(build.label?.[OCI_LABELS.baseName] ?? "") : String(args.props.name ?? "");
    if (DIGEST_REFERENCE.test(name)) return;
    const key = imageConfigKey(args.name, build !== undefined) ?? "the image reference";
    const what = build ? `The base image "${name}" of the Authgent build` : `Image "${name}"`;
    // A malformed "@…" suffix is replaced, not kept: "repo@sha256:short@sha256:<digest>" is no reference.
    const unpinned = name.split("@")[0] ?? name;
    reportViolation(
      `${what} is not pinned by digest, so every pull may run a different build. Find the digest of the build you tested ` +
        `with \`docker buildx imagetools inspect ${unpinned}\` and set ${key} to ${unpinned}@sha256:<digest> in Pulumi.${stackOfUrn(args.urn)}.yaml.`,
    );
  },
};

const KUBERNETES_WORKLOADS = new Set<string>([RESOURCE_TYPES.kubernetesDeployment, RESOURCE_TYPES.kubernetesStatefulSet, RESOURCE_TYPES.kubernetesJob]);

/** `spec.template.spec.{initContainers,containers}[].image` of a Deployment, StatefulSet or Job. */
function podTemplateImages(props: Record<string, unknown>): string[] {
  const spec = (props.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec;
  const containers = [...(Array.isArray(spec?.["initContainers"]) ? spec["initContainers"] : []), ...(Array.isArray(spec?.["containers"]) ? spec["containers"] : [])] as unknown[];
  return containers.map((container) => (container as { image?: unknown }).image).filter((image): image is string => typeof image === "string");
}
