// A Worker written for Cloudflare Queues, as Cloudflare's documentation shows
// one: nothing here knows about edgeq. src/edgeq.ts runs it against edgeq.

export interface Job {
  id: number;
  kind: "ok" | "flaky" | "poison";
}

export interface Env {
  JOBS: Queue<Job>;
  RESULTS: KVNamespace;
}

export default {
  // Producer: POST a JSON list of jobs.
  async fetch(request: Request, env: Env): Promise<Response> {
    const jobs = await request.json<Job[]>();
    await env.JOBS.sendBatch(jobs.map((job) => ({ body: job })));
    return Response.json({ queued: jobs.length });
  },

  // Consumer: ack what worked, retry what may work later, throw on a poisoned batch.
  async queue(batch: MessageBatch<Job>, env: Env, _ctx: ExecutionContext): Promise<void> {
    let poisoned = false;
    for (const msg of batch.messages) {
      await env.RESULTS.put(`attempt:${msg.body.id}:${msg.attempts}`, batch.queue);
      if (msg.body.kind === "poison") {
        poisoned = true;
      } else if (msg.body.kind === "flaky" && msg.attempts < 2) {
        // Explicitly retry this one; the rest of the batch goes on.
        msg.retry();
      } else {
        await env.RESULTS.put(`done:${msg.body.id}`, String(msg.attempts));
        msg.ack();
      }
    }
    // Messages not acked above are retried: here, only the poisoned one.
    if (poisoned) throw new Error("a poisoned job in this batch");
  },
} satisfies ExportedHandler<Env, Job>;
