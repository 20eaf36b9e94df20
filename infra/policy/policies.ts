/**
 * The policies of the pack, in checklist order. Kept apart from `index.ts`
 * because constructing a `PolicyPack` starts a gRPC server: tests import this.
 */
import type { Policies } from "@pulumi/policy";
import { consentPolicy, registrationPolicy } from "./policies/authgent-settings.ts";
import { customDomainPolicy } from "./policies/custom-domain.ts";
import { durableObjectLedgerPolicy } from "./policies/durable-object-ledger.ts";
import { httpsUrlsPolicy } from "./policies/https-urls.ts";
import { imageDigestPolicy } from "./policies/image-digest.ts";
import { jwksCacheTtlPolicy } from "./policies/jwks-cache-ttl.ts";
import { observabilityPolicy } from "./policies/observability.ts";
import { plaintextSecretsPolicy } from "./policies/plaintext-secrets.ts";
import { workersDevPolicy } from "./policies/workers-dev.ts";

/** Name of the pack (PulumiPolicy.yaml `name` must match). */
export const POLICY_PACK_NAME = "authgent-edge-guardrails";

export const POLICIES: Policies = [
  httpsUrlsPolicy,
  customDomainPolicy,
  jwksCacheTtlPolicy,
  durableObjectLedgerPolicy(),
  workersDevPolicy,
  observabilityPolicy,
  imageDigestPolicy,
  consentPolicy,
  registrationPolicy,
  plaintextSecretsPolicy,
];
