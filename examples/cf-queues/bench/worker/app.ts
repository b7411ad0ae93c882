// The benchmark's producer and consumer, written for Cloudflare Queues. The
// same module runs on Miniflare's local Queues (native.ts) and on edgeq (edgeq.ts).

export interface BenchEnv {
  JOBS: Queue<{ n: number }>;
}

/** Acked messages so far, in this isolate (the benchmark reads it through /count). */
let acked = 0;

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/count") return Response.json({ acked });
    if (url.pathname === "/reset") {
      acked = 0;
      return Response.json({ acked });
    }
    // /send?count=N&batch=B: N messages in sendBatch calls of B, one after another.
    const count = Number(url.searchParams.get("count"));
    const batch = Number(url.searchParams.get("batch"));
    for (let sent = 0; sent < count; sent += batch)
      await env.JOBS.sendBatch(
        Array.from({ length: Math.min(batch, count - sent) }, (_, i) => ({
          body: { n: sent + i },
        })),
      );
    return Response.json({ sent: count });
  },

  async queue(batch: MessageBatch<{ n: number }>): Promise<void> {
    for (const msg of batch.messages) msg.ack();
    acked += batch.messages.length;
  },
};
