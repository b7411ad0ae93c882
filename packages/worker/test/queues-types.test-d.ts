// Type test, checked by `npm run typecheck` (tsc): the Cloudflare Queues
// drop-in is assignable to @cloudflare/workers-types' own Queues types.
import { expectTypeOf, test } from "vitest";
import type { QueueMessageBatch } from "../src/queues/batch.js";
import { createQueueConsumer, type QueueHandler } from "../src/queues/consumer.js";
import { createQueueProducer } from "../src/queues/producer.js";

interface Job {
  id: number;
  kind: "ok" | "flaky" | "poison";
}

test("the producer is a Queue<Body>", () => {
  const producer = createQueueProducer<Job>({} as Fetcher, "jobs");
  expectTypeOf(producer).toExtend<Queue<Job>>();
  expectTypeOf(createQueueProducer({} as Fetcher, "jobs")).toExtend<Queue>();
  // Code written against the binding type accepts it as it is.
  const env: { JOBS: Queue<Job> } = { JOBS: producer };
  expectTypeOf(env.JOBS.send).parameter(0).toEqualTypeOf<Job>();
});

test("the batch is a MessageBatch<Body>, its messages Message<Body>", () => {
  expectTypeOf<QueueMessageBatch<Job>>().toExtend<MessageBatch<Job>>();
  expectTypeOf<QueueMessageBatch<Job>["messages"][number]>().toExtend<Message<Job>>();
});

test("a handler typed for Cloudflare runs unchanged in the consumer", () => {
  const worker = {
    async queue(batch: MessageBatch<Job>, _env: { N: number }, _ctx: ExecutionContext) {
      for (const m of batch.messages) if (m.body.kind === "ok") m.ack();
    },
  } satisfies ExportedHandler<{ N: number }, Job>;
  expectTypeOf(worker.queue).toExtend<QueueHandler<{ N: number }, Job>>();
  createQueueConsumer(worker.queue, () => ({}) as Fetcher, { queue: "jobs" });
});

test("RpcTransport and the Queues shims take a binding to EdgeqRpc, not anything", async () => {
  const { RpcTransport } = await import("../src/rpc/rpc-transport.js");
  type EdgeqRpc = import("../src/rpc/entrypoint.js").EdgeqRpc;
  // What `wrangler types` writes for a binding it can see the entrypoint of, and a plain one.
  expectTypeOf(RpcTransport).toBeConstructibleWith({} as Service<EdgeqRpc>);
  expectTypeOf(RpcTransport).toBeConstructibleWith({} as Fetcher);
  // @ts-expect-error: a value that is no service binding is refused at compile time.
  new RpcTransport(42);
  // @ts-expect-error: so is a KV namespace bound by mistake.
  createQueueProducer({} as KVNamespace, "jobs");
});

test("a handler declared with (batch, env) is called as (batch, env, ctx) through QueueHandler", () => {
  const worker = {
    async queue(batch: MessageBatch<Job>, _env: { N: number }) {
      for (const m of batch.messages) m.ack();
    },
  } satisfies ExportedHandler<{ N: number }, Job>;
  const handleQueue: QueueHandler<{ N: number }, Job> = worker.queue;
  createQueueConsumer<{ N: number }, Job>(
    (batch, env, ctx) => handleQueue(batch, env, ctx),
    () => ({}) as Fetcher,
    { queue: "jobs" },
  );
});
