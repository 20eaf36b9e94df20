/**
 * Scenarios this stateless JSON server does not implement, and why. Under
 * 2025 revisions each needs the server to send its own requests or
 * notifications outside a request's response (sampling/elicitation requests,
 * resource update notifications); MCP 2026-07-28 replaced both
 * (input_required, subscriptions/listen) and the kit implements
 * input_required.
 */
export const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  "tools-call-sampling": "server-initiated sampling/createMessage (2026-07-28: input_required)",
  "tools-call-elicitation": "server-initiated elicitation/create (2026-07-28: input_required, implemented)",
  "elicitation-sep1034-defaults": "server-initiated elicitation/create",
  "elicitation-sep1330-enums": "server-initiated elicitation/create",
  "resources-subscribe": "resources/subscribe needs a server-to-client stream (2026-07-28: subscriptions/listen)",
  "resources-unsubscribe": "resources/unsubscribe, as above",
};
