import type { JWTPayload } from "jose";
import { actorChain } from "./delegation.ts";
import { InvalidTokenError } from "./errors.ts";
import type { Principal } from "./principal.ts";
import type { VerifyOptions } from "./verify-options.ts";

/**
 * Claim checks jose does not make, then the `Principal`. Runs after jose has
 * verified the signature, `iss`, `aud`, `exp`, `nbf` and the presence and
 * numeric type of `exp`/`iat`/`sub`.
 */
export function principalFromClaims(payload: JWTPayload, options: VerifyOptions, nowSeconds: number): Principal {
  const { iat, exp } = payload as { iat: number; exp: number };
  // RFC 7519 §4.1.6: iat is when the token was issued; one from the future
  // (beyond clock skew) was minted by a clock or a key we should not trust.
  if (iat > nowSeconds + options.clockToleranceSeconds) {
    throw new InvalidTokenError("ERR_TOKEN_CLAIM_INVALID", "iat is in the future", { claim: "iat" });
  }
  // RFC 9068 §2.2 leaves lifetime to the AS; we cap it so a leaked long-lived
  // token (or a mis-set AS) cannot be used for longer than policy allows.
  if (exp - iat > options.maxTokenLifetimeSeconds) {
    throw new InvalidTokenError(
      "ERR_TOKEN_CLAIM_INVALID",
      `token lifetime exp - iat exceeds ${options.maxTokenLifetimeSeconds} s`,
      { claim: "exp" },
    );
  }
  const subject = payload.sub;
  // RFC 9068 §2.2: sub identifies the resource owner; it keys per-user state.
  if (typeof subject !== "string" || subject === "") {
    throw new InvalidTokenError("ERR_TOKEN_CLAIM_INVALID", "sub must be a non-empty string", { claim: "sub" });
  }
  const scope = optionalString(payload, "scope") ?? "";
  const clientId = optionalString(payload, "client_id");
  const sharedSubject = options.sharedSubjects.includes(subject);
  // A subject the issuer gives to several humans identifies none of them;
  // only the client installation (client_id) keeps their state apart.
  if (sharedSubject && clientId === undefined) {
    throw new InvalidTokenError(
      "ERR_TOKEN_CLAIM_INVALID",
      `sub "${subject}" is shared by several users of this issuer (SHARED_SUBJECTS) and the token has no client_id to tell them apart`,
      { claim: "client_id" },
    );
  }
  const dpopJkt = confirmationJkt(payload);
  return {
    issuer: options.issuer,
    subject,
    clientId,
    scope,
    scopes: parseScope(scope),
    expiresAt: exp,
    email: informational(payload, "email"),
    name: informational(payload, "name"),
    actors: actorChain(payload),
    sharedSubject,
    ...(dpopJkt === undefined ? {} : { dpopJkt }),
  };
}

/**
 * RFC 7800 §3.1 `cnf`, the token's proof-of-possession key. Only RFC 9449
 * §6.1 `jkt` can be checked here; a token bound any other way (e.g. RFC 8705
 * `x5t#S256`) is refused rather than accepted as a bearer token, which would
 * undo its binding.
 */
function confirmationJkt(payload: JWTPayload): string | undefined {
  const cnf = payload["cnf"];
  if (cnf === undefined) return undefined;
  const jkt = typeof cnf === "object" && cnf !== null && !Array.isArray(cnf) ? (cnf as Record<string, unknown>)["jkt"] : undefined;
  if (typeof jkt !== "string" || jkt === "") {
    throw new InvalidTokenError("ERR_TOKEN_CLAIM_INVALID", "cnf must carry a jkt thumbprint (RFC 9449 §6.1)", { claim: "cnf" });
  }
  return jkt;
}

/**
 * RFC 6749 §3.3 / RFC 8693 §4.2: scope is a space-delimited, case-sensitive
 * list. Only U+0020 separates: "mcp:read\tmcp:write" is one (useless) scope,
 * never two. Empty items from doubled spaces carry no scope and are dropped.
 */
export function parseScope(scope: string): ReadonlySet<string> {
  return new Set(scope.split(" ").filter((item) => item !== ""));
}

/** A claim that grants or identifies something: present means it must be a string. */
function optionalString(payload: JWTPayload, claim: "scope" | "client_id"): string | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new InvalidTokenError("ERR_TOKEN_CLAIM_INVALID", `${claim} must be a string`, { claim });
  }
  return value;
}

/** Display-only claims: a malformed one is dropped rather than failing the request. */
function informational(payload: JWTPayload, claim: "email" | "name"): string | undefined {
  const value = payload[claim];
  return typeof value === "string" ? value : undefined;
}
