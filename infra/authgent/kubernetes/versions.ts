/**
 * The Kubernetes versions the `authgent.kubernetes` target supports: every
 * object it declares is validated against each one's API schema
 * (test/infra/authgent/kubernetes-schema.test.ts). 1.31 is the oldest
 * release still maintained upstream when this was written and the first
 * where every field used is GA or on by default (`lifecycle.preStop.sleep`,
 * PodLifecycleSleepAction, beta and on by default since 1.30;
 * `persistentVolumeClaimRetentionPolicy`, beta and on since 1.27, GA 1.32).
 */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.31", "1.32", "1.33", "1.34"] as const;
