/**
 * Stack files whose `authgent:` block runs on Kubernetes, parsed through the
 * real stack config pipeline (the registered plugin), as `pulumi preview`
 * and `npm run plan` read them.
 */
import { StackConfigError, parseStackConfig, type FleetConfig } from "../../../infra/config.ts";
import { stackFileInput } from "../../../infra/config-source.ts";
import { authgentConfigPlugin } from "../../../infra/config-plugins.ts";

export const K8S_ISSUER = "https://auth.yourcompany.com";
export const K8S_IMAGE = `registry.yourcompany.com/authgent-server@sha256:${"ab".repeat(32)}`;
/** A `secure:` value as `pulumi config set --secret` writes it (never decrypted offline). */
export const SECURE = ["      secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB"];

/** The block's lines under `authgent-edge:authgent:` (4-space indent). */
export const K8S_BLOCK = [
  `    issuer: ${K8S_ISSUER}`,
  `    image: ${K8S_IMAGE}`,
  "    secretKey:",
  ...SECURE,
  "    database:",
  "      type: postgres",
  "      password:",
  "        secure: v1:AAAAAAAAAAAAAAAA:CCCCCCCCCCCCCCCCCCCCCCCC",
  "    kubernetes:",
  "      ingress:",
  "        certManager: { clusterIssuer: letsencrypt-prod }",
];

export function k8sStackText(block: readonly string[] = K8S_BLOCK): string {
  return [
    "config:",
    "  authgent-edge:accountId: 0123456789abcdef0123456789abcdef",
    "  authgent-edge:defaults:",
    "    zoneId: fedcba9876543210fedcba9876543210",
    "  authgent-edge:servers:",
    ...["alpha", "beta"].flatMap((name) => [`    - name: ${name}`, `      audience: https://${name}.yourcompany.com`, `      customDomain: ${name}.yourcompany.com`]),
    "  authgent-edge:authgent:",
    ...block,
    "",
  ].join("\n");
}

export function parseK8sStack(text: string = k8sStackText(), stack = "production"): FleetConfig {
  return parseStackConfig(stackFileInput(stack, text), { authgent: authgentConfigPlugin! });
}

/** Every problem of a stack file, as "<key> <message>" lines. */
export function k8sProblems(text: string, stack = "production"): string[] {
  try {
    parseK8sStack(text, stack);
  } catch (err) {
    if (err instanceof StackConfigError) return err.issues.map((issue) => `${issue.path} ${issue.message}`);
    throw err;
  }
  return [];
}

/** The block with `kubernetes:` replaced by these lines (4-space indent). */
export function withKubernetes(lines: readonly string[], base: readonly string[] = K8S_BLOCK): string[] {
  const at = base.indexOf("    kubernetes:");
  return [...base.slice(0, at), "    kubernetes:", ...lines];
}
