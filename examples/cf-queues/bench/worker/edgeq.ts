// The benchmark app on edgeq: the producer binding is an edgeq topic; the
// queue() handler runs under createQueueConsumer, driven by its alarm object.
import {
  createQueueConsumer,
  createQueueConsumerObject,
  createQueueProducer,
  startQueueConsumer,
} from "@edgeq/worker";
import app from "./app.js";

interface Env {
  EDGEQ: Fetcher;
  CONSUMER_10: DurableObjectNamespace;
  CONSUMER_100: DurableObjectNamespace;
}

const appEnv = (env: Env) => ({
  JOBS: createQueueProducer<{ n: number }>(env.EDGEQ, "jobs", { sendMetrics: false }),
});

const consumerOf = (max_batch_size: number) =>
  createQueueConsumerObject(
    createQueueConsumer<Env, { n: number }>(
      (batch) => app.queue(batch),
      (env) => env.EDGEQ,
      { queue: "jobs", max_batch_size, max_batch_timeout: 1, max_retries: 3 },
    ),
  );

export const Consumer10 = consumerOf(10);
export const Consumer100 = consumerOf(100);

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/start") {
      const batch = url.searchParams.get("batch");
      await startQueueConsumer(batch === "100" ? env.CONSUMER_100 : env.CONSUMER_10);
      return Response.json({ started: batch });
    }
    return app.fetch(request, appEnv(env));
  },
} satisfies ExportedHandler<Env>;
