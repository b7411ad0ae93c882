import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { Broker } from "../engine/broker.js";
import type { TopicConfig } from "../engine/config.js";
import type { Message } from "../model.js";
import { MemoryStorage, openMemoryStore } from "../store/memory-store.js";
import { DedupSet, withDedup } from "./dedup.js";
import { LocalTransport } from "./local-transport.js";
import { Producer } from "./producer.js";
import { type MessageHandler, PushConsumer, type PushConsumerOptions } from "./push-consumer.js";
import { FaultyTransport, fastSleep } from "./test-support.js";

/** The client over the real engine: LocalTransport into a Broker on a MemoryStore. */
async function openBroker(config: Partial<TopicConfig> = {}, storage = new MemoryStorage()) {
  const clock = new ManualClock();
  const broker = await Broker.open({ store: await openMemoryStore({ storage }), clock });
  await broker.createTopic("t", { queueCount: 2, ...config });
  const transport = new FaultyTransport(new LocalTransport(broker));
  return { broker, clock, storage, transport };
}

type Setup = Awaited<ReturnType<typeof openBroker>>;

function consumerOn(t: Setup, handler: MessageHandler, options: Partial<PushConsumerOptions> = {}) {
  const errors: string[] = [];
  const consumer = new PushConsumer(t.transport, {
    topic: "t",
    group: "g",
    handler,
    pollWaitMs: 0,
    sleep: fastSleep(),
    clock: t.clock,
    onError: (_, context) => errors.push(context.phase),
    ...options,
  });
  return { consumer, errors };
}

async function everything(broker: Broker): Promise<Message[]> {
  const out: Message[] = [];
  for (const q of (await broker.stats("t")).queues) {
    const read = await broker.read("t", q.queueId, { from: q.minOffset, limit: 1000 });
    out.push(...read.messages);
  }
  return out;
}

const heads = async (broker: Broker) =>
  Object.fromEntries(
    (await broker.stats("t")).queues.map((q) => [String(q.queueId), q.headOffset]),
  );

describe("Producer over the broker", () => {
  it("a retry after a lost response is answered duplicate and stored once", async () => {
    const t = await openBroker();
    const producer = new Producer(t.transport, { topic: "t", sleep: fastSleep() });
    t.transport.failAfter("send");
    const results = await producer.sendBatch([{ body: "a" }, { body: "b", key: "k" }]);
    expect(t.transport.count("send")).toBe(2);
    expect(results.map((r) => r.status)).toEqual(["duplicate", "duplicate"]);
    const stored = await everything(t.broker);
    expect(stored.map((m) => m.body).sort()).toEqual(["a", "b"]);
    expect(results.map((r) => r.msgId).sort()).toEqual(stored.map((m) => m.msgId).sort());
  });

  it("a new producer continuing from a persisted seq is deduplicated against the old one", async () => {
    const t = await openBroker();
    const first = new Producer(t.transport, { topic: "t", producerId: "outbox-1" });
    await first.sendBatch([{ body: 1 }, { body: 2 }]);
    // The outbox crashed before recording the ack: it resends from seq 1.
    const again = new Producer(t.transport, { topic: "t", producerId: "outbox-1", firstSeq: 1 });
    const results = await again.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
    expect(results.map((r) => r.status)).toEqual(["duplicate", "duplicate", "stored"]);
    expect(await everything(t.broker)).toHaveLength(3);
  });
});

describe("PushConsumer over the broker", () => {
  it("consumes everything produced and close() commits every queue's head", async () => {
    const t = await openBroker({ queueCount: 4 });
    const producer = new Producer(t.transport, { topic: "t" });
    await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ body: i, key: `k${i % 7}` })));
    const seen = new Set<unknown>();
    const { consumer, errors } = consumerOn(t, (m) => void seen.add(m.body), { batchSize: 5 });
    await consumer.start();
    await expect.poll(() => seen.size).toBe(40);
    await consumer.close();
    expect(await t.broker.getOffsets("t", "g")).toEqual(await heads(t.broker));
    expect(errors).toEqual([]);
  });

  it("keeps the offset below a message whose send-back fails, then retries it through the broker", async () => {
    const t = await openBroker({ queueCount: 1 });
    await new Producer(t.transport, { topic: "t" }).sendBatch([
      { body: 0 },
      { body: 1 },
      { body: 2 },
    ]);
    const calls: string[] = [];
    const { consumer } = consumerOn(t, (m) => {
      calls.push(`${String(m.body)}@${m.reconsumeTimes}`);
      if (m.body === 1 && m.reconsumeTimes === 0) throw new Error("fails once");
    });
    t.transport.failBefore("sendBack", { times: Number.POSITIVE_INFINITY });
    await consumer.start();
    await expect
      .poll(() => ({ sendBacksTried: t.transport.count("sendBack") >= 3, calls: calls.length }))
      .toEqual({ sendBacksTried: true, calls: 3 });
    await consumer.commit();
    expect(await t.broker.getOffsets("t", "g")).toEqual({ "0": 1 });
    t.transport.heal();
    await expect.poll(async () => (await t.broker.stats("t")).groups.g?.retrying).toBe(1);
    await consumer.commit();
    expect(await t.broker.getOffsets("t", "g")).toEqual({ "0": 3 });
    // The broker's schedule holds the retry 10 s; let the time pass.
    t.clock.advance(10_000);
    await expect.poll(() => calls).toContain("1@1");
    await expect.poll(async () => (await t.broker.stats("t")).groups.g?.retrying).toBe(0);
    await consumer.close();
    expect((await t.broker.stats("t")).groups.g).toMatchObject({
      inFlight: 0,
      retrying: 0,
      deadLetters: 0,
    });
  });

  it("a message that always fails ends in the dead-letter queue, and the offset moves on", async () => {
    const t = await openBroker({ queueCount: 1, maxReconsumeTimes: 2, retrySchedule: [0] });
    await new Producer(t.transport, { topic: "t" }).send({ body: "poison" });
    const { consumer } = consumerOn(t, () => {
      throw new Error("always");
    });
    await consumer.start();
    await expect.poll(async () => (await t.broker.stats("t")).groups.g?.deadLetters).toBe(1);
    await consumer.close();
    const [dead] = await t.broker.listDeadLetters("t", "g");
    expect(dead?.message.body).toBe("poison");
    expect(await t.broker.getOffsets("t", "g")).toEqual({ "0": 1 });
  });

  it("after a broker restart resumes from the committed offset: nothing lost", async () => {
    const first = await openBroker({ queueCount: 2 });
    const producer = new Producer(first.transport, { topic: "t" });
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ body: i })));
    const before = new Set<unknown>();
    const a = consumerOn(first, (m) => void before.add(m.body));
    await a.consumer.start();
    await expect.poll(() => before.size).toBe(10);
    await a.consumer.close();
    await producer.sendBatch(Array.from({ length: 6 }, (_, i) => ({ body: 10 + i })));
    await first.broker.close();

    const second = await openBroker({ queueCount: 2 }, first.storage);
    const after: unknown[] = [];
    const b = consumerOn(second, (m) => void after.push(m.body));
    await b.consumer.start();
    await expect.poll(() => after.length).toBe(6);
    await b.consumer.close();
    expect(after.sort((x, y) => Number(x) - Number(y))).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it("when commits are lost, a new consumer redelivers and withDedup skips what succeeded", async () => {
    const t = await openBroker({ queueCount: 2 });
    await new Producer(t.transport, { topic: "t" }).sendBatch(
      Array.from({ length: 8 }, (_, i) => ({ body: i })),
    );
    const processed: unknown[] = [];
    const seen = new DedupSet();
    const handler = withDedup((m) => void processed.push(m.body), seen);
    t.transport.failBefore("commitOffsets", { times: Number.POSITIVE_INFINITY });
    const a = consumerOn(t, handler);
    await a.consumer.start();
    await expect.poll(() => processed.length).toBe(8);
    await a.consumer.close();
    // The group exists (its retry loop touched it) but no progress was committed.
    expect(Object.values(await t.broker.getOffsets("t", "g")).every((o) => o === 0)).toBe(true);
    expect(a.errors).toContain("commit");

    t.transport.heal();
    let deliveries = 0;
    const b = consumerOn(t, (m, ctx) => {
      deliveries++;
      return handler(m, ctx);
    });
    await b.consumer.start();
    await expect.poll(() => deliveries).toBe(8);
    await b.consumer.close();
    expect(processed).toHaveLength(8);
    expect(await t.broker.getOffsets("t", "g")).toEqual(await heads(t.broker));
  });
});
