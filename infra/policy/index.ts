/**
 * The guardrails policy pack (entry point of `npm run policy:build`).
 *
 * Mandatory by default; the workflow passes `config/<stack>.json`, which
 * makes every policy advisory on staging (`{"all": "advisory"}`) and keeps
 * production mandatory. Production-only rules also check the stack name.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES, POLICY_PACK_NAME } from "./policies.ts";

new PolicyPack(POLICY_PACK_NAME, {
  enforcementLevel: "mandatory",
  description: "The seed's production checklist as code.",
  policies: POLICIES,
});
