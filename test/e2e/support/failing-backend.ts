/**
 * A backend that fails on demand, for the backend-caller example's tests
 * (bundled and bound as its `BACKEND` service). The person id picks the
 * failure; every answer echoes the request's Authorization header in its
 * body, as careless backends do, so a test can prove the caller never
 * passes a backend body on.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    const echo = `authorization was: ${request.headers.get("authorization") ?? ""}`;
    const id = new URL(request.url).pathname.split("/").at(-1);
    switch (id) {
      case "boom":
        return new Response(JSON.stringify({ error: echo }), { status: 500, headers: { "content-type": "application/json" } });
      case "forbidden":
        return new Response(echo, { status: 403 });
      case "slow":
        // Longer than any timeout the tests configure; the caller must give up first.
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        return new Response("{}", { headers: { "content-type": "application/json" } });
      case "garbage":
        return new Response(`<html>${echo}</html>`, { status: 200, headers: { "content-type": "text/html" } });
      case "huge":
        return new Response(JSON.stringify({ person: { name: "x".repeat(100 * 1024), team: "t", email: "e" } }), { headers: { "content-type": "application/json" } });
      default:
        return new Response(JSON.stringify({ error: echo }), { status: 418 });
    }
  },
};
