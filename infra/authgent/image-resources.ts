/**
 * The Authgent component's images: the suffix of each `RemoteImage`'s logical
 * name and the stack config key that sets it. Shared by the component and the
 * image-digest policy, whose message names the key to change. Kept free of
 * provider imports: the policy pack bundles this file.
 */
export const IMAGE_RESOURCES = {
  /** Checked before `authgent`: these suffixes also end with "-image". */
  caddy: { suffix: "-caddy-image", configKey: "authgent.tls.image" },
  postgres: { suffix: "-postgres-image", configKey: "authgent.database.image" },
  /** A pulled image (`authgent.image`), or the build whose base is `authgent.build.baseImage`. */
  authgent: { suffix: "-image", configKey: "authgent.image", baseConfigKey: "authgent.build.baseImage" },
} as const;

/**
 * The Kubernetes target's workloads (`authgent.kubernetes`): the suffix of
 * each one's logical name and the key that sets its containers' image.
 */
export const KUBERNETES_IMAGE_RESOURCES = {
  postgres: { suffix: "-postgres", configKey: "authgent.database.image" },
  server: { suffix: "-deployment", configKey: "authgent.image" },
  bootstrap: { suffix: "-bootstrap", configKey: "authgent.image" },
} as const;

/** The config key that sets the images of the Kubernetes workload with this logical name, if it is one of the component's. */
export function kubernetesImageConfigKey(resourceName: string): string | undefined {
  return Object.values(KUBERNETES_IMAGE_RESOURCES).find((candidate) => resourceName.endsWith(candidate.suffix))?.configKey;
}

/** The config key that sets the image of the `RemoteImage` with this logical name, if it is one of the component's. */
export function imageConfigKey(resourceName: string, built = false): string | undefined {
  const image = Object.values(IMAGE_RESOURCES).find((candidate) => resourceName.endsWith(candidate.suffix));
  if (image === undefined) return undefined;
  return built && "baseConfigKey" in image ? image.baseConfigKey : image.configKey;
}
