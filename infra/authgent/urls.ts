/**
 * Public URLs of an Authgent issuer, derived from the issuer identifier alone
 * so the stack can print them (and the workers can be wired to them) before
 * anything is deployed.
 */
export interface IssuerUrls {
  /** The issuer identifier, byte for byte as tokens carry it in `iss`. */
  readonly issuerUrl: string;
  /** Where Authgent publishes its signing keys (the seed's `${issuer}/.well-known/jwks.json`). */
  readonly jwksUrl: string;
  /** RFC 8414 authorization server metadata URL. */
  readonly metadataUrl: string;
}

export function issuerUrls(issuer: string): IssuerUrls {
  const url = new URL(issuer);
  // RFC 8414 §3.1: the well-known segment goes between the host and the
  // issuer's path ("path insertion"), after removing a terminating "/".
  const path = url.pathname.replace(/\/+$/, "");
  return {
    issuerUrl: issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    metadataUrl: `${url.origin}/.well-known/oauth-authorization-server${path}`,
  };
}
