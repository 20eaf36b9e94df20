import type { WorkerConfig } from "../config.ts";
import { AuthgentError } from "../errors.ts";
import {
  DpopLedgerUnavailableError,
  DpopNonceRequiredError,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidTokenError,
  JwksUnavailableError,
  RateLimitedError,
} from "../auth/errors.ts";
import { authChallenge } from "./auth-challenge.ts";
import { InvalidMessageError } from "../mcp/errors.ts";
import { MethodNotAllowedError } from "./errors.ts";

/**
 * JSON-RPC error code for transport-level failures that have no JSON-RPC
 * meaning (the MCP SDK's server uses the same implementation-defined code).
 */
const TRANSPORT_ERROR = -32000;

/**
 * The one place internal errors become HTTP responses. Internal messages stay
 * in logs; clients get RFC 6750 codes and generic descriptions.
 *
 * `config` is null when the configuration itself is broken (no metadata URL
 * can be advertised then). `challengeScopes`: the `scope` hint of a 401 for a
 * missing or invalid token (see `authChallenge`); a 401 about the DPoP proof or
 * nonce has a good token, so it carries none.
 */
export function errorResponse(error: unknown, config: WorkerConfig | null, challengeScopes: readonly string[] = []): Response {
  if (!(error instanceof AuthgentError)) {
    console.error("unexpected error", error);
    return jsonError(500, "server_error", "Internal error.");
  }
  // Why a token was refused goes to the log for the operator (messages name
  // claims and configured URLs, never the token); the client gets the generic
  // description below.
  if (error instanceof InvalidTokenError) console.warn(`token rejected (${error.code}): ${error.message}`);
  switch (error.code) {
    case "ERR_CONFIG":
      console.error(`configuration error: ${error.message}`);
      return jsonError(503, "server_misconfigured", error.message, { "retry-after": "60" });
    case "ERR_AUTH_REQUEST_INVALID":
      return jsonError(400, "invalid_request", error.message, {
        "www-authenticate": authChallenge(config, { scheme: "Bearer", params: ['error="invalid_request"'] }),
      });
    case "ERR_TOKEN_MISSING":
      // RFC 6750 §3.1: no error code when the request carried no credentials.
      return jsonError(401, "unauthorized", "Authorization required.", {
        "www-authenticate": authChallenge(config, undefined, challengeScopes),
      });
    case "ERR_TOKEN_MALFORMED":
    case "ERR_TOKEN_TOO_LARGE":
    case "ERR_TOKEN_UNSUPPORTED":
    case "ERR_TOKEN_SIGNATURE":
    case "ERR_TOKEN_KEY_UNKNOWN":
    case "ERR_TOKEN_EXPIRED":
    case "ERR_TOKEN_NOT_YET_VALID":
    case "ERR_TOKEN_CLAIM_INVALID":
    case "ERR_TOKEN_BINDING": {
      const invalid = error as InvalidTokenError;
      const description = publicTokenDescription(invalid);
      return jsonError(401, "invalid_token", description, {
        "www-authenticate": authChallenge(
          config,
          { scheme: invalid.scheme, params: ['error="invalid_token"', `error_description="${description}"`] },
          challengeScopes,
        ),
      });
    }
    case "ERR_DPOP_PROOF_INVALID": {
      // RFC 9449 §7.1: the proof, not the token, is at fault.
      const description = publicProofDescription(error as InvalidDpopProofError);
      return jsonError(401, "invalid_dpop_proof", description, {
        "www-authenticate": authChallenge(config, { scheme: "DPoP", params: ['error="invalid_dpop_proof"', `error_description="${description}"`] }),
      });
    }
    case "ERR_DPOP_NONCE_REQUIRED":
      // RFC 9449 §9: the 401 carries the nonce to put in the next proof.
      return jsonError(401, "use_dpop_nonce", "Resource server requires nonce in DPoP proof", {
        "www-authenticate": authChallenge(config, {
          scheme: "DPoP",
          params: ['error="use_dpop_nonce"', 'error_description="Resource server requires nonce in DPoP proof"'],
        }),
        "dpop-nonce": (error as DpopNonceRequiredError).nonce,
      });
    case "ERR_JWKS_UNAVAILABLE":
      console.warn(`jwks unavailable: ${error.message}`);
      return jsonError(503, "temporarily_unavailable", "Token verification keys are unavailable; retry later.", {
        "retry-after": String((error as JwksUnavailableError).retryAfterSeconds),
      });
    case "ERR_DPOP_LEDGER_UNAVAILABLE":
      console.warn(`dpop replay ledger unavailable: ${error.message}`);
      return jsonError(503, "temporarily_unavailable", "DPoP replay check unavailable; retry later with a new proof.", {
        "retry-after": String((error as DpopLedgerUnavailableError).retryAfterSeconds),
      });
    case "ERR_INSUFFICIENT_SCOPE": {
      const scope = (error as InsufficientScopeError).requiredScope;
      return jsonError(403, "insufficient_scope", `This operation requires scope "${scope}".`, {
        "www-authenticate": authChallenge(config, { scheme: "any", params: ['error="insufficient_scope"', `scope="${scope}"`] }),
      });
    }
    case "ERR_RATE_LIMITED":
      return jsonError(429, "rate_limited", "Too many requests.", {
        "retry-after": String((error as RateLimitedError).retryAfterSeconds),
      });
    case "ERR_NOT_FOUND":
      return jsonError(404, "not_found", "No such resource.");
    case "ERR_METHOD_NOT_ALLOWED":
      // RFC 9110 §15.5.6: a 405 lists what is allowed.
      return jsonError(405, "method_not_allowed", "Method not allowed.", {
        allow: (error as MethodNotAllowedError).allow.join(", "),
      });
    // MCP transport failures answer with a JSON-RPC error whose id is null
    // (JSON-RPC 2.0 §5: the request could not be identified), as the MCP
    // SDK's own server does, so JSON-RPC clients can surface the message.
    case "ERR_ORIGIN_FORBIDDEN":
      return jsonRpcError(403, TRANSPORT_ERROR, "Forbidden: Origin not allowed.");
    case "ERR_BODY_TOO_LARGE":
      return jsonRpcError(413, TRANSPORT_ERROR, `Payload Too Large: ${error.message}.`);
    case "ERR_BODY_INCOMPLETE":
      // A client that left is not an operator's problem: info, not error.
      console.info(error.message);
      return jsonRpcError(400, TRANSPORT_ERROR, "Bad Request: request body incomplete.");
    case "ERR_UNSUPPORTED_MEDIA_TYPE":
      return jsonRpcError(415, TRANSPORT_ERROR, "Unsupported Media Type: Content-Type must be application/json.");
    case "ERR_MCP_INVALID_MESSAGE": {
      const invalid = error as InvalidMessageError;
      return jsonRpcError(400, invalid.jsonRpcCode, invalid.message, invalid.id);
    }
    case "ERR_MCP_PROTOCOL_VERSION":
      return jsonRpcError(400, TRANSPORT_ERROR, `Bad Request: ${error.message}.`);
    case "ERR_MCP_SESSION_REQUIRED":
      return jsonRpcError(400, TRANSPORT_ERROR, `Bad Request: ${error.message}.`);
    case "ERR_MCP_SESSION_NOT_FOUND":
      // MCP "Session Management" §4: 404 tells the client to initialize a new session.
      return jsonRpcError(404, TRANSPORT_ERROR, "Session not found.");
  }
}

/** Descriptions a client may see: they name the failed check, never token content. */
function publicTokenDescription(error: InvalidTokenError): string {
  switch (error.code) {
    case "ERR_TOKEN_EXPIRED":
      return "The access token expired";
    case "ERR_TOKEN_NOT_YET_VALID":
      return "The access token is not yet valid";
    case "ERR_TOKEN_CLAIM_INVALID":
      return error.claim ? `The access token ${error.claim} claim is invalid` : "The access token claims are invalid";
    case "ERR_TOKEN_TOO_LARGE":
      return "The access token is too large";
    case "ERR_TOKEN_BINDING":
      if (error.claim === undefined) return "This resource requires a DPoP-bound access token";
      return error.scheme === "DPoP" ? "The access token is not bound to the DPoP proof key" : "The access token requires a DPoP proof";
    default:
      return "The access token is invalid";
  }
}

/** Descriptions of RFC 9449 §4.3 failures: they name the check, never proof content. */
function publicProofDescription(error: InvalidDpopProofError): string {
  switch (error.check) {
    case "missing":
      return "The DPoP scheme requires one DPoP proof header";
    case "multiple":
      return "Send exactly one DPoP proof header";
    case "replayed":
      return "The DPoP proof was already used";
    case "htm":
    case "htu":
    case "iat":
    case "ath":
    case "jti":
    case "typ":
    case "alg":
    case "jwk":
      return `The DPoP proof ${error.check} is invalid`;
    default:
      return "The DPoP proof is invalid";
  }
}

function jsonError(status: number, error: string, description: string, headers: Record<string, string> = {}): Response {
  return Response.json(
    { error, error_description: description },
    { status, headers: { "cache-control": "no-store", ...headers } },
  );
}

function jsonRpcError(status: number, code: number, message: string, id: string | number | null = null): Response {
  return Response.json(
    { jsonrpc: "2.0", id, error: { code, message } },
    { status, headers: { "cache-control": "no-store" } },
  );
}
