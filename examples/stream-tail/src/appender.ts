/**
 * A Worker that appends one JSON event to an edgeq Durable Stream per
 * `POST /append`, through a service binding to the broker (`EDGEQ`). It
 * speaks the protocol itself: a `PUT` that is idempotent (create or ensure),
 * then a `POST` of the event.
 */
interface AppenderEnv {
  EDGEQ: Fetcher;
  EDGEQ_TOKEN: string;
  /** The stream's path under /v1/stream/. */
  STREAM_PATH: string;
}

export default {
  async fetch(request: Request, env: AppenderEnv): Promise<Response> {
    if (request.method !== "POST" || new URL(request.url).pathname !== "/append")
      return new Response("POST /append with a JSON event", { status: 404 });
    const url = `https://edgeq/v1/stream/${env.STREAM_PATH}`;
    const headers = {
      authorization: `Bearer ${env.EDGEQ_TOKEN}`,
      "content-type": "application/json",
    };
    const created = await env.EDGEQ.fetch(url, { method: "PUT", headers });
    if (!created.ok) return new Response(await created.text(), { status: created.status });
    const event = (await request.json()) as Record<string, unknown>;
    const appended = await env.EDGEQ.fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ ...event, appendedAt: Date.now() }),
    });
    if (!appended.ok) return new Response(await appended.text(), { status: appended.status });
    return Response.json({ offset: appended.headers.get("stream-next-offset") });
  },
};
