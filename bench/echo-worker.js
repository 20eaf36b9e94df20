/**
 * Baseline for `npm run bench`: the least a JSON-RPC server on Workers can do
 * per request (read the body, parse it, answer a JSON-RPC result), with no
 * authentication and no MCP logic. The benchmark runs it in the same workerd
 * as the real worker; the ratio real/echo is the cost of everything else.
 */
export default {
  async fetch(request) {
    let message;
    try {
      message = await request.json();
    } catch {
      return Response.json({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }, { status: 400 });
    }
    const name = message?.params?.arguments?.name ?? "world";
    return Response.json({
      jsonrpc: "2.0",
      id: message?.id ?? null,
      result: { content: [{ type: "text", text: `Hello, ${name}!` }] },
    });
  },
};
