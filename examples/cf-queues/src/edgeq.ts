// The same Worker on edgeq: its producer binding is an edgeq topic, and its
// queue() handler runs unchanged under createQueueConsumer, driven by a
// Durable Object alarm (createQueueConsumerObject).
import {
  createQueueConsumer,
  createQueueConsumerObject,
  createQueueProducer,
} from "@edgeq/worker/bindings";
import worker, { type Env as AppEnv, type Job } from "./index.js";

interface Env {
  /** Service binding to the edgeq Worker's `EdgeqRpc` entrypoint. */
  EDGEQ: Fetcher;
  RESULTS: KVNamespace;
  CONSUMER: DurableObjectNamespace;
}

/** The app's env, with its Queue binding served by edgeq. */
const appEnv = (env: Env): AppEnv => ({
  RESULTS: env.RESULTS,
  // The first send starts the consumer object (CONSUMER), which then drains "jobs" by
  // itself: no start call, as on Cloudflare.
  JOBS: createQueueProducer<Job>(env.EDGEQ, "jobs", { sendMetrics: false, consumer: env.CONSUMER }),
});

// Cloudflare's consumer settings (wrangler's queues.consumers), on topic "jobs".
// The topic's maxReconsumeTimes is 3 too, so the poisoned job lands in the
// group's edgeq dead-letter queue, browsable and redrivable.
const consumer = createQueueConsumer<Env, Job>(
  (batch, env, ctx) => worker.queue(batch, appEnv(env), ctx),
  (env) => env.EDGEQ,
  { queue: "jobs", max_batch_size: 10, max_batch_timeout: 1, max_retries: 3 },
);

/** The push driver: declared in wrangler.jsonc as the CONSUMER Durable Object. */
export const JobsConsumer = createQueueConsumerObject(consumer);

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    // One drain now, without waiting for batches to fill (tests, development).
    if (pathname === "/consumer/drain")
      return Response.json(await consumer.drain(env, ctx, { wait: false }));
    return worker.fetch(request, appEnv(env));
  },
} satisfies ExportedHandler<Env>;
