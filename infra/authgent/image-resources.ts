/**
 * The Authgent component's images: the suffix of each `RemoteImage`'s logical
 * name and the stack config key that sets it. Shared by the component and the
 * image-digest policy, whose message names the key to change. Kept free of
 * provider imports: the policy pack bundles this file.
 */
export const IMAGE_RESOURCES = {
  /** Checked first: its suffix also ends with the Authgent image's. */
  caddy: { suffix: "-caddy-image", configKey: "authgent.tls.image" },
  authgent: { suffix: "-image", configKey: "authgent.image" },
} as const;

/** The config key that sets the image of the `RemoteImage` with this logical name, if it is one of the component's. */
export function imageConfigKey(resourceName: string): string | undefined {
  return Object.values(IMAGE_RESOURCES).find((image) => resourceName.endsWith(image.suffix))?.configKey;
}
