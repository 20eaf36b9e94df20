/**
 * DPoP (RFC 9449) as a client discovers and meets it: the RFC 9728 metadata
 * says which proof algorithms the server accepts and whether it requires
 * DPoP-bound tokens; the 401 challenge offers `DPoP algs="…"` (alone when
 * DPoP is required, after `Bearer` otherwise, RFC 9449 §7.2); a DPoP
 * credential without a proof is refused with `invalid_dpop_proof` (§7.1).
 */
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { getJson, send, type HttpOptions } from "./verify-http.ts";
import { fail, pass, type CheckResult } from "./verify-report.ts";
import { metadataUrls, type VerifyTarget } from "./verify-target.ts";

/** What the metadata says about DPoP. */
export interface DpopMetadata {
  readonly algorithms: readonly string[];
  readonly required: boolean;
}

const PING = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
/** A syntactically valid ES256 JWS with a zeroed signature, never signed by any issuer. */
const FORGED = `${b64url({ alg: "ES256", typ: "JWT", kid: "verify" })}.${b64url({ sub: "verify", exp: 4_102_444_800 })}.${"A".repeat(86)}`;

/** Reads `dpop_signing_alg_values_supported` and `dpop_bound_access_tokens_required` from the root metadata. */
export async function checkDpopMetadata(target: VerifyTarget, http: HttpOptions): Promise<{ result: CheckResult; dpop?: DpopMetadata }> {
  const id = "dpop-metadata";
  const title = "DPoP metadata (RFC 9728 / RFC 9449 §5.1)";
  const url = metadataUrls(target).root;
  const got = await getJson(url, http);
  if (!got.ok) return { result: fail(id, title, `GET ${url.href}: ${got.reason}`) };
  const doc = (got.json ?? {}) as { dpop_signing_alg_values_supported?: unknown; dpop_bound_access_tokens_required?: unknown };
  const algorithms = doc.dpop_signing_alg_values_supported;
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((a) => typeof a === "string")) {
    return { result: fail(id, title, `${url.href} has no dpop_signing_alg_values_supported list; this worker predates DPoP support or strips it`) };
  }
  // Authgent binds tokens only to ES256 proof keys (authgent-server 0.3.4 services/dpop_service.py).
  if (!algorithms.includes("ES256")) return { result: fail(id, title, `dpop_signing_alg_values_supported is ${JSON.stringify(algorithms)}; Authgent clients need ES256`) };
  const required = doc.dpop_bound_access_tokens_required ?? false;
  if (typeof required !== "boolean") return { result: fail(id, title, `dpop_bound_access_tokens_required is ${JSON.stringify(required)}, expected true or false`) };
  return {
    result: pass(id, title, `algs ${algorithms.join(" ")}, DPoP-bound tokens ${required ? "required" : "accepted (Bearer too)"}`),
    dpop: { algorithms, required },
  };
}

/**
 * The challenges an unauthenticated client and a forged credential get:
 * `DPoP algs` matching the metadata (the only challenge when DPoP is
 * required), and `invalid_dpop_proof` for a DPoP credential without a proof.
 */
export async function checkDpopChallenges(target: VerifyTarget, dpop: DpopMetadata, http: HttpOptions): Promise<CheckResult[]> {
  const unauthenticated = await challengeOf(target, http, {});
  const challengeId = "dpop-challenge";
  const challengeTitle = "401 offers a DPoP challenge";
  let challengeResult: CheckResult;
  if (!unauthenticated.ok) {
    challengeResult = fail(challengeId, challengeTitle, unauthenticated.reason);
  } else {
    const schemes = parseChallenges(unauthenticated.header);
    const offered = schemes.get("dpop");
    const algs = offered?.["algs"]?.split(" ") ?? [];
    if (!offered) challengeResult = fail(challengeId, challengeTitle, `WWW-Authenticate "${unauthenticated.header}" has no DPoP challenge`);
    else if (algs.join(" ") !== dpop.algorithms.join(" ")) challengeResult = fail(challengeId, challengeTitle, `DPoP algs="${algs.join(" ")}" differs from the metadata's ${dpop.algorithms.join(" ")}`);
    else if (!offered["resource_metadata"]) challengeResult = fail(challengeId, challengeTitle, "the DPoP challenge has no resource_metadata (RFC 9728 §5.1)");
    else if (dpop.required && schemes.has("bearer")) challengeResult = fail(challengeId, challengeTitle, "DPoP is required but a Bearer challenge is still offered");
    else if (!dpop.required && !schemes.has("bearer")) challengeResult = fail(challengeId, challengeTitle, "Bearer is accepted but no Bearer challenge is offered");
    else challengeResult = pass(challengeId, challengeTitle, `${dpop.required ? "DPoP only" : "Bearer, then DPoP"}; algs="${algs.join(" ")}"`);
  }
  const results = [challengeResult];

  const proofless = await challengeOf(target, http, { authorization: `DPoP ${FORGED}` });
  const prooflessId = "dpop-proof-required";
  const prooflessTitle = "DPoP credential without a proof is refused";
  if (!proofless.ok) results.push(fail(prooflessId, prooflessTitle, proofless.reason));
  else {
    const error = parseChallenges(proofless.header).get("dpop")?.["error"];
    results.push(error === "invalid_dpop_proof" ? pass(prooflessId, prooflessTitle, '401, DPoP error="invalid_dpop_proof"') : fail(prooflessId, prooflessTitle, `DPoP challenge error is ${error ? `"${error}"` : "missing"}, expected "invalid_dpop_proof"`));
  }

  if (dpop.required) {
    const bearer = await challengeOf(target, http, { authorization: `Bearer ${FORGED}` });
    const bearerId = "dpop-bearer-refused";
    const bearerTitle = "Bearer token refused where DPoP is required";
    if (!bearer.ok) results.push(fail(bearerId, bearerTitle, bearer.reason));
    else {
      const error = parseChallenges(bearer.header).get("dpop")?.["error"];
      results.push(error === "invalid_token" ? pass(bearerId, bearerTitle, '401, DPoP error="invalid_token"') : fail(bearerId, bearerTitle, `DPoP challenge error is ${error ? `"${error}"` : "missing"}, expected "invalid_token"`));
    }
  }
  return results;
}

type Challenge = { ok: true; header: string } | { ok: false; reason: string };

async function challengeOf(target: VerifyTarget, http: HttpOptions, extra: Record<string, string>): Promise<Challenge> {
  const sent = await send(
    target.mcpUrl,
    {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": LATEST_PROTOCOL_VERSION, ...extra },
      body: PING,
    },
    http,
  );
  if (!sent.ok) return { ok: false, reason: `POST ${target.mcpUrl.href}: ${sent.reason}` };
  await sent.response.body?.cancel();
  if (sent.response.status !== 401) return { ok: false, reason: `POST ${target.mcpUrl.href} answered ${sent.response.status}, expected 401` };
  const header = sent.response.headers.get("www-authenticate");
  return header ? { ok: true, header } : { ok: false, reason: "401 without WWW-Authenticate" };
}

/**
 * RFC 9110 §11.6.1 challenges (scheme, then auth-params) from one header
 * value, keyed by lower-case scheme. Enough for the worker's own challenges:
 * quoted or token values, no token68.
 */
export function parseChallenges(header: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const item = /([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9!#$%&'*+.^_`|~-]+))?/g;
  let current: Record<string, string> | undefined;
  for (const [, name, value] of header.matchAll(item)) {
    if (name === undefined) continue;
    if (value === undefined) {
      current = {};
      out.set(name.toLowerCase(), current);
    } else if (current) {
      current[name.toLowerCase()] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value;
    }
  }
  return out;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
