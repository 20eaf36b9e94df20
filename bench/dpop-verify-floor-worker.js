/**
 * Reference for `npm run bench`'s DPoP rows (no target, never deployed): the
 * echo worker plus the one step no DPoP resource server can skip or cache —
 * verifying the signature of the fresh proof each request carries (RFC 9449
 * §4.3 check 6, §11.1: every proof is new, so its verification is too). The
 * key is imported once per distinct header, nothing else is checked. The
 * gap between this and (g), the echo worker sent the same headers, is the
 * price of that signature alone; Bearer's time plus it bounds what (d) can reach.
 */
const keys = new Map();
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function bytes(base64url) {
  const binary = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export default {
  async fetch(request) {
    const proof = request.headers.get("dpop") ?? "";
    const [header, payload, signature] = proof.split(".");
    let key = keys.get(header);
    if (!key) {
      const { jwk } = JSON.parse(decoder.decode(bytes(header)));
      key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      keys.set(header, key);
    }
    const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, bytes(signature), encoder.encode(`${header}.${payload}`));
    if (!valid) return Response.json({ error: "invalid_dpop_proof" }, { status: 401 });
    const message = await request.json();
    return Response.json({
      jsonrpc: "2.0",
      id: message?.id ?? null,
      result: { content: [{ type: "text", text: `Hello, ${message?.params?.arguments?.name}!` }] },
    });
  },
};
